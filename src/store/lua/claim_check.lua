-- claim_check.lua: a worker has claimed an item (BLMOVE, or found it in its
-- in-progress list after a reconnection); it runs it only if the channel is
-- not paused.
--
-- KEYS: 1 channels, 2 worker proc list, 3 channel queue
-- ARGV: 1 channel, 2 queue item
-- Returns: 1 to run it; 0 when the channel is paused: the item is back at
--       the head of the queue (the end workers take from).
-- Atomic: the pause flag is read and the item put back in one step, so
--       that a pause stored before it is always seen, and the item is never
--       in both lists or in neither.

local s = redis.call('HGET', KEYS[1], ARGV[1])
if not s or not string.find(s, '"paused":true', 1, true) then return 1 end
if redis.call('LREM', KEYS[2], -1, ARGV[2]) == 1 then
  redis.call('RPUSH', KEYS[3], ARGV[2])
end
return 0
