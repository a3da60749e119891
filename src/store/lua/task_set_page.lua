-- task_set_page.lua: the API reads one page of a sorted set of tasks (the
-- delayed set, by due time, or a failed set, newest first) with each task's
-- record. Members whose record is gone (expired) are dropped from a failed
-- set on the way.
--
-- KEYS: 1 the set
-- ARGV: 1 key prefix, 2 offset, 3 limit, 4 'delayed' or 'failed', 5 failed
--       ttl ms (entries older are dropped)
-- Returns: {count, n, fields of record 1 (flat), ..., fields of record n}.
-- Atomic: the count, the page and the records come from one state of the
--       store in one round trip (a task that moves meanwhile is not shown
--       twice or missed), and stale members are pruned as they are found.

-- The clock is the server's (TIME), never the caller's, so that leases and
-- timestamps agree across daemons on several machines.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local members
if ARGV[4] == 'failed' then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[5]))
  members = redis.call('ZREVRANGE', KEYS[1], tonumber(ARGV[2]),
                       tonumber(ARGV[2]) + tonumber(ARGV[3]) - 1)
else
  members = redis.call('ZRANGE', KEYS[1], tonumber(ARGV[2]),
                       tonumber(ARGV[2]) + tonumber(ARGV[3]) - 1)
end
local out = {0, 0}
for _, m in ipairs(members) do
  local id = m
  if ARGV[4] == 'delayed' then
    local ok, t = pcall(cjson.decode, m)
    id = (ok and type(t) == 'table' and t.id) or ''
  end
  local rec = redis.call('HGETALL', ARGV[1] .. 'coyotes:task:' .. id)
  if #rec > 0 then
    table.insert(out, rec)
  elseif ARGV[4] == 'failed' then
    redis.call('ZREM', KEYS[1], m)
  end
end
out[1] = redis.call('ZCARD', KEYS[1])
out[2] = #out - 2
return out
