-- channel_pause.lua: the API pauses or resumes a channel: its settings
-- gain or lose "paused":true.
--
-- KEYS: 1 channels
-- ARGV: 1 channel, 2 '1' to pause, '0' to resume
-- Returns: the channel's settings as stored now, or false when there is no
--       such channel.
-- Atomic: the settings are read and written in one step, so that a pause
--       and a resume, or a pause and another change, never undo each
--       other. The text is edited rather than decoded and encoded again:
--       cjson would turn an empty array into {} and reformat numbers. The
--       settings are compact JSON (jansson's), where a '"' inside a string
--       is always escaped, so ',"paused":true' occurs only as the member.

local s = redis.call('HGET', KEYS[1], ARGV[1])
if not s then return false end
s = string.gsub(s, ',"paused":true', '')
s = string.gsub(s, '^{"paused":true,', '{')
s = string.gsub(s, '^{"paused":true}$', '{}')
if ARGV[2] == '1' then
  if s == '{}' then
    s = '{"paused":true}'
  else
    s = string.sub(s, 1, -2) .. ',"paused":true}'
  end
end
redis.call('HSET', KEYS[1], ARGV[1], s)
return s
