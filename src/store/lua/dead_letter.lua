-- dead_letter.lua: the router found a producer item malformed; keep it for the
-- operator.
--
-- KEYS: 1 router proc list, 2 dead letters
-- ARGV: 1 raw payload, 2 dead-letter entry (JSON)
-- Returns: 1.
-- Atomic: the entry enters the dead letters as the payload leaves the
--       router's list; a crash between the two would lose the item or,
--       once recovered, dead-letter it twice.

redis.call('LPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], 0, 9999)
redis.call('LREM', KEYS[1], -1, ARGV[1])
return 1
