-- channel_page.lua: the API reads one page of a channel's tasks, running ones
-- first (by start time), then queued ones in the order they will run.
--
-- KEYS: 1 running set, 2 channel queue
-- ARGV: 1 key prefix, 2 offset, 3 limit
-- Returns: {running_count, queued_count, {id, name}..., items...}
--       flattened as: running_count, queued_count, n_running_on_page, id,
--       name, ..., queue items...
-- Atomic: the counts and both parts of the page come from one state of the
--       store, so a task that starts meanwhile is not shown twice or
--       missed, in one round trip.

local nrun = redis.call('ZCARD', KEYS[1])
local nq = redis.call('LLEN', KEYS[2])
local offset = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local out = {nrun, nq, 0}
if offset < nrun and limit > 0 then
  local ids = redis.call('ZRANGE', KEYS[1], offset, offset + limit - 1)
  for _, id in ipairs(ids) do
    table.insert(out, id)
    table.insert(out, redis.call('HGET', ARGV[1] .. 'coyotes:task:' .. id,
                                 'name') or '')
  end
  out[3] = #ids
  limit = limit - #ids
  offset = 0
else
  offset = offset - nrun
end
if limit > 0 and offset < nq then
  -- The next to run is the rightmost item.
  local items = redis.call('LRANGE', KEYS[2], -(offset + limit), -(offset + 1))
  for i = #items, 1, -1 do table.insert(out, items[i]) end
end
return out
