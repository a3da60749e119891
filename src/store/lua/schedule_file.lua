-- schedule_file.lua: a daemon loads --schedule-file: its schedules replace
-- those loaded from a file before; schedules made over HTTP stay.
--
-- KEYS: 1 schedules (name -> JSON), 2 schedules' due set
-- ARGV: 1 key prefix, then for each schedule of the file: name,
--       definition JSON, first due ms ('' when never due)
-- Returns: {added, removed}.
-- Atomic: the old set is replaced by the new one in one step, so that no
--       master sees half of each. A file schedule's name is a digest of
--       its line and settings: one already there is the same schedule and
--       is left as it is (its due time and counts go on).

local keep = {}
local added = 0
for i = 2, #ARGV, 3 do
  local name = ARGV[i]
  keep[name] = true
  if redis.call('HSETNX', KEYS[1], name, ARGV[i + 1]) == 1 then
    added = added + 1
    if ARGV[i + 2] ~= '' then
      redis.call('ZADD', KEYS[2], tonumber(ARGV[i + 2]), name)
    end
  end
end
local removed = 0
for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(name, 1, 5) == 'file:' and not keep[name] then
    redis.call('HDEL', KEYS[1], name)
    redis.call('ZREM', KEYS[2], name)
    redis.call('DEL', ARGV[1] .. 'coyotes:schedule:' .. name)
    removed = removed + 1
  end
end
return {added, removed}
