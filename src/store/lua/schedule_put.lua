-- schedule_put.lua: the API creates or replaces a schedule, or removes one.
--
-- KEYS: 1 schedules (name -> JSON), 2 schedules' due set, 3 the schedule's
--       state hash
-- ARGV: 1 name, 2 definition JSON ('' to delete), 3 first due ms ('' when
--       disabled or never due)
-- Returns: 1; when deleting, 0 if there was no such schedule.
-- Atomic: definition and due time change together, so a master never
--       fires a due time of a definition that is gone or replaced (its
--       guard in route.lua compares the due time).

if ARGV[2] == '' then
  if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('DEL', KEYS[3])
  return 1
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[2], tonumber(ARGV[3]), ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return 1
