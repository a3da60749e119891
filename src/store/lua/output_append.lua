-- output_append.lua: a batch of a running task's output, for
-- GET /tasks/ID/output. A worker sends one at most every 100 ms, and only
-- for a task that has run long enough to have its start recorded.
--
-- KEYS: 1 the task's output stream
-- ARGV: 1 "1" on the first batch of an attempt (the stream of an earlier
--       attempt is dropped first), 2 the stream's time to live in ms,
--       3 the oldest entry id still needed ("": trim nothing), 4 stdout
--       bytes, 5 stderr bytes (either may be empty; both empty: only the
--       time to live changes)
-- Returns: the id of the entry added, or "" when none was.
-- Atomic: the reset, the entry, the trim and the time to live go together:
--       a reader never sees one attempt's output mixed into another's, nor
--       a stream that would never expire.

if ARGV[1] == '1' then redis.call('DEL', KEYS[1]) end
local fields = {}
if ARGV[4] ~= '' then
  fields[#fields + 1] = 'o'
  fields[#fields + 1] = ARGV[4]
end
if ARGV[5] ~= '' then
  fields[#fields + 1] = 'e'
  fields[#fields + 1] = ARGV[5]
end
local id = ''
if #fields > 0 then
  id = redis.call('XADD', KEYS[1], '*', unpack(fields))
end
if ARGV[3] ~= '' then redis.call('XTRIM', KEYS[1], 'MINID', ARGV[3]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return id
