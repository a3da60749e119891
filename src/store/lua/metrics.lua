-- metrics.lua: GET /metrics asks what Redis holds, in one round trip.
--
-- KEYS: 1 channels, 2 delayed set, 3 dead letters, 4 schedules
-- ARGV: 1 key prefix
-- Returns: {delayed, dead letters, schedules, {channel, queued, running,
--       failed, paused (0/1)}...}
-- Atomic: read-only; one script so that a scrape costs one round trip
--       whatever the number of channels.

local out = {redis.call('ZCARD', KEYS[2]), redis.call('LLEN', KEYS[3]),
             redis.call('HLEN', KEYS[4])}
local chans = redis.call('HGETALL', KEYS[1])
local per = {}
for i = 1, #chans, 2 do
  local c = chans[i]
  per[#per + 1] = c
  per[#per + 1] = redis.call('LLEN', ARGV[1] .. 'coyotes:queue:' .. c)
  per[#per + 1] = redis.call('ZCARD', ARGV[1] .. 'coyotes:running:' .. c)
  per[#per + 1] = redis.call('ZCARD', ARGV[1] .. 'coyotes:failed:' .. c)
  per[#per + 1] = string.find(chans[i + 1], '"paused":true', 1, true) and 1
                  or 0
end
out[4] = per
return out
