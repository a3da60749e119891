-- schedule_view.lua: the API shows schedules.
--
-- KEYS: 1 schedules (name -> JSON)
-- ARGV: 1 key prefix, then names
-- Returns: for each name {definition or false, fired, skipped, last due ms,
--       last task id, that task's state}, the last three false when none.
-- Atomic: read-only; one round trip for a page of schedules.

local out = {}
for i = 2, #ARGV do
  local name = ARGV[i]
  local st = redis.call('HMGET', ARGV[1] .. 'coyotes:schedule:' .. name,
                        'fired', 'skipped', 'last_due', 'last_task')
  local last_state = false
  if st[4] then
    last_state = redis.call('HGET', ARGV[1] .. 'coyotes:task:' .. st[4],
                            'state') or false
  end
  out[#out + 1] = {redis.call('HGET', KEYS[1], name) or false,
                   tonumber(st[1]) or 0, tonumber(st[2]) or 0,
                   st[3] or false, st[4] or false, last_state}
end
return out
