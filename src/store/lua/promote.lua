-- promote.lua: the master moves the delayed tasks that are due to the tail of
-- their channel queue (as if just pushed).
--
-- KEYS: 1 delayed set
-- ARGV: 1 key prefix, 2 most tasks per call
-- Returns: {moved, more (1 when the call stopped at its limit), ms until
--       the next due task or -1}.
-- Atomic: the due items leave the delayed set as they enter their queues,
--       so that with several daemons each task is promoted once, and a
--       crash between the two cannot lose one.

-- The clock is the server's (TIME), never the caller's, so that leases and
-- timestamps agree across daemons on several machines.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now,
                         'LIMIT', 0, tonumber(ARGV[2]))
if #items > 0 then redis.call('ZREM', KEYS[1], unpack(items)) end
-- Queue items start {"a":N,"id":"...","chan":"..." and channel names hold
-- no quote: no JSON decoding needed. The records keep state 'delayed' (the
-- start script runs such a task, the API shows it queued once due), so a
-- promotion costs one LPUSH per channel: 10,000 tasks due together leave
-- in a few milliseconds. A cancelled task has left the set already.
local moved = 0
local by_chan = {}
for _, item in ipairs(items) do
  local chan = string.match(item, '^{"a":%d+,"id":"[^"]+","chan":"([^"]+)"')
  if chan then
    local list = by_chan[chan]
    if not list then
      list = {}
      by_chan[chan] = list
    end
    list[#list + 1] = item
    moved = moved + 1
  end
end
for chan, list in pairs(by_chan) do
  redis.call('LPUSH', ARGV[1] .. 'coyotes:queue:' .. chan, unpack(list))
end
local more = 0
if #items == tonumber(ARGV[2]) then more = 1 end
local next_due = -1
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then next_due = math.max(0, tonumber(first[2]) - now) end
return {moved, more, next_due}
