-- schedule_due.lua: a master asks which schedules are due.
--
-- KEYS: 1 schedules' due set (name -> due ms), 2 schedules (name -> JSON)
-- ARGV: 1 most to return
-- Returns: {now ms, {name, due ms, definition, ...}, ms until the next due
--       time or -1}. A name without a definition (deleted meanwhile) leaves
--       the due set.
-- Atomic: read-only but for that cleanup; the due times are moved on by
--       route.lua's guard, which checks them again, so two masters that
--       both see a due time fire it once.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES',
                       'LIMIT', 0, tonumber(ARGV[1]))
local out = {}
for i = 1, #due, 2 do
  local def = redis.call('HGET', KEYS[2], due[i])
  if def then
    out[#out + 1] = due[i]
    out[#out + 1] = due[i + 1]
    out[#out + 1] = def
  else
    redis.call('ZREM', KEYS[1], due[i])
  end
end
local next_due = -1
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then next_due = math.max(0, tonumber(first[2]) - now) end
return {now, out, next_due}
