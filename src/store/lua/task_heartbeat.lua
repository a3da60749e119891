-- task_heartbeat.lua: while a task runs, its worker renews its lease and
-- learns whether the task was cancelled (by any daemon's API).
--
-- KEYS: 1 leases, 2 task record
-- ARGV: 1 owner, 2 lease ms
-- Returns: {lease_was_lost, cancel_requested}.
-- Atomic: the lease ends by the server's clock, read and used in the same
--       step, and renewing and asking cost one round trip.

-- The clock is the server's (TIME), never the caller's, so that leases and
-- timestamps agree across daemons on several machines.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lost = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local cancel = redis.call('HEXISTS', KEYS[2], 'cancel')
return {lost, cancel}
