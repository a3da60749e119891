-- callback_done.lua: a master records how a callback delivery went.
--
-- KEYS: 1 pending callbacks (zset), 2 task record, 3 stats
-- ARGV: 1 task id, 2 delivery id, 3 '1' when the receiver answered 2xx,
--       4 what went wrong (else), 5 ms before the next try, 6 ms after the
--       task's end at which the delivery is given up
-- Returns: 'delivered', 'retry', 'failed', or 'stale' when the record no
--       longer holds this delivery (the task ran again, or the record is
--       gone): then nothing is written.
-- Atomic: the record's callback fields, the pending set and the stats
--       change together, and only while the record still holds this
--       delivery, so that a late answer never overwrites a newer one.

-- The clock is the server's (TIME), never the caller's, so that leases and
-- timestamps agree across daemons on several machines.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local r = redis.call('HMGET', KEYS[2], 'callback_delivery', 'finished_at')
if r[1] ~= ARGV[2] then return 'stale' end
redis.call('HINCRBY', KEYS[2], 'callback_attempts', 1)
if ARGV[3] == '1' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], 'callback_error')
  redis.call('HSET', KEYS[2], 'callback_state', 'delivered')
  redis.call('HINCRBY', KEYS[3], 'callbacks_delivered', 1)
  return 'delivered'
end
redis.call('HSET', KEYS[2], 'callback_error', ARGV[4])
local give_up = (tonumber(r[2]) or now) + tonumber(ARGV[6])
if now >= give_up then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HSET', KEYS[2], 'callback_state', 'failed')
  redis.call('HINCRBY', KEYS[3], 'callbacks_failed', 1)
  return 'failed'
end
-- The last try comes at the deadline, not after it.
redis.call('ZADD', KEYS[1], math.min(now + tonumber(ARGV[5]), give_up),
           ARGV[1])
return 'retry'
