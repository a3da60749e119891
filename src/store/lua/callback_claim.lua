-- callback_claim.lua: a master takes completion callbacks that are due, to
-- deliver them under a lease.
--
-- KEYS: 1 pending callbacks (zset: task id -> due ms)
-- ARGV: 1 key prefix, 2 most deliveries to take, 3 lease ms
-- Returns: {records, ms until the next due delivery or -1}: records holds,
--       for each delivery taken, the task record as HGETALL gives it
--       (callback_delivery among its fields).
-- Atomic: a delivery's due time moves past the lease as it is taken, so
--       that each is in the hands of one master at a time; a master that
--       dies holding one leaves it due again when the lease ends, and
--       another (or the next start) delivers it.

-- The clock is the server's (TIME), never the caller's, so that leases and
-- timestamps agree across daemons on several machines.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0,
                       tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  local rec = ARGV[1] .. 'coyotes:task:' .. id
  local r = redis.call('HMGET', rec, 'callback', 'callback_state', 'state')
  -- Nothing left to deliver: the record expired or was deleted, the task
  -- was run again (its next end makes a new delivery), or this one ended.
  local ended = r[3] == 'succeeded' or r[3] == 'failed' or r[3] == 'cancelled'
  if not r[1] or r[2] ~= 'pending' or not ended then
    redis.call('ZREM', KEYS[1], id)
  else
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), id)
    out[#out + 1] = redis.call('HGETALL', rec)
  end
end
local next_due = -1
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then next_due = math.max(0, tonumber(first[2]) - now) end
return {out, next_due}
