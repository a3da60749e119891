-- take_batch.lua: the router takes up to ARGV[1] more items without blocking
-- (after a BLMOVE found the queue non-empty), so that a burst costs one
-- round trip per batch rather than per item.
--
-- KEYS: 1 prepare queue, 2 router proc list
-- ARGV: 1 most items to take
-- Returns: the items, oldest first.
-- Atomic: each item moves with LMOVE, so it is always in one of the two
--       lists; the script only makes the batch one round trip and hands the
--       router the items in the order they moved.

local out = {}
for i = 1, tonumber(ARGV[1]) do
  local item = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
  if not item then break end
  out[i] = item
end
return out
