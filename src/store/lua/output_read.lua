-- output_read.lua: what GET /tasks/ID/output needs in one round trip: the
-- task's state and, once it has ended, its recorded output; and the live
-- output entries after the last one the reader has.
--
-- KEYS: 1 task record, 2 the task's output stream
-- ARGV: 1 the last entry id the reader has ("": read from the first),
--       2 the most entries to return
-- Returns: {state, due_at, exit_code, signal, stdout, stderr, entries}:
--       state "" when there is no record; stdout and stderr "" unless the
--       state is final (succeeded, failed, cancelled); entries a flat array
--       of id, stdout bytes, stderr bytes per entry, oldest first.
-- Atomic: the state and the entries are read together, so a reader that
--       sees a final state has every entry its worker wrote (the last batch
--       goes before the end is recorded).

-- (The state is asked for last: this script reads it, never writes it.)
local r = redis.call('HMGET', KEYS[1], 'due_at', 'exit_code', 'signal',
                     'stdout', 'stderr', 'state')
local state = r[6] or ''
local final = state == 'succeeded' or state == 'failed' or
              state == 'cancelled'
local from = '-'
if ARGV[1] ~= '' then from = '(' .. ARGV[1] end
local entries = {}
for _, e in ipairs(redis.call('XRANGE', KEYS[2], from, '+', 'COUNT',
                              ARGV[2])) do
  local o, err = '', ''
  local f = e[2]
  for i = 1, #f, 2 do
    if f[i] == 'o' then o = f[i + 1] elseif f[i] == 'e' then err = f[i + 1] end
  end
  entries[#entries + 1] = e[1]
  entries[#entries + 1] = o
  entries[#entries + 1] = err
end
return {state, r[1] or '', r[2] or '', r[3] or '',
        final and (r[4] or '') or '', final and (r[5] or '') or '', entries}
