-- heartbeat.lua: any owner renews its lease.
--
-- KEYS: 1 leases
-- ARGV: 1 owner, 2 lease ms
-- Returns: 1 when the lease had been lost (recovered by someone else).
-- Atomic: one command; it is a script so that the lease ends by the
--       server's clock, read and used in the same step.

-- The clock is the server's (TIME), never the caller's, so that leases and
-- timestamps agree across daemons on several machines.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
