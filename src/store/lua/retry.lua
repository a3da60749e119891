-- retry.lua: the task a worker ran failed and may run again: record this
-- attempt and put the next one in the delayed set, in one step.
--
-- KEYS: 1 task record, 2 worker proc list, 3 stats, 4 leases, 5 delayed set
-- ARGV: 1 queue item, 2 next queue item (attempt raised), 3 delay ms,
--       4 owner, 5 lease ms, 6 key prefix, 7 history entry, 8.. field/value
--       pairs
-- Returns: 1, or 0 when the task had been recovered and taken elsewhere.
-- Atomic: the item leaves the worker's list as the next attempt enters the
--       delayed set, so a crash neither loses the retry nor leaves two
--       copies of the task; and the owner is checked at the moment of
--       writing, as in finish.lua.

-- The clock is the server's (TIME), never the caller's, so that leases and
-- timestamps agree across daemons on several machines.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- >>> event: the same text in every script that changes a task's state (a
-- test checks). Publishes the change on P .. 'coyotes:events' as JSON, for
-- subscribers (GET /tasks/{id}?wait= among them); code and sig are those
-- of the attempt that just ended, nil otherwise. A task that has ended
-- (succeeded, failed, cancelled) and names a callback gets a pending
-- delivery in the same step: its record's callback_* fields, with a new
-- delivery id, and its id in P .. 'coyotes:callbacks' (score: due ms),
-- where a master's callback_claim takes it. Call it once the record holds
-- the end. Needs `now`.
local function event(P, id, chan, state, attempt, code, sig)
  redis.call('PUBLISH', P .. 'coyotes:events', cjson.encode({
    task_id = id, channel = chan or cjson.null, state = state,
    attempt = tonumber(attempt) or cjson.null,
    exit_code = tonumber(code) or cjson.null, signal = sig or cjson.null,
    at = now}))
  if state ~= 'succeeded' and state ~= 'failed' and state ~= 'cancelled' then
    return
  end
  local rec = P .. 'coyotes:task:' .. id
  if redis.call('HEXISTS', rec, 'callback') == 0 then return end
  local n = redis.call('HINCRBY', P .. 'coyotes:stats', 'callbacks_queued', 1)
  redis.call('HDEL', rec, 'callback_error')
  redis.call('HSET', rec, 'callback_state', 'pending', 'callback_attempts', 0,
             'callback_delivery', string.format('%d-%d', now, n))
  redis.call('ZADD', P .. 'coyotes:callbacks', now, id)
end
-- The attempt a queue item ({"a":N,...}) stands for.
local function item_attempt(item)
  return tonumber(string.match(item or '', '^{"a":(%d+),')) or 1
end
-- <<< event
-- >>> worker end: the same text in finish.lua and retry.lua (a test checks).
-- KEYS[1] is the task record, KEYS[2] the worker's in-progress list,
-- KEYS[4] the leases; ARGV[1] the item, ARGV[4] the owner, ARGV[5] the
-- lease ms, ARGV[7] the history entry. release() renews the lease and takes
-- the item out of the in-progress list; it answers nil to go on, 0 when the
-- task was recovered and taken by another owner, 1 when it was already
-- recorded (a retry after a lost reply). history_with() is the record's
-- history with this attempt added, its times from the record and the
-- server's clock.
local function release()
  redis.call('ZADD', KEYS[4], now + tonumber(ARGV[5]), ARGV[4])
  if redis.call('LREM', KEYS[2], -1, ARGV[1]) == 1 then return nil end
  if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[4] then return 0 end
  if redis.call('HGET', KEYS[1], 'state') ~= 'running' then return 1 end
  return nil
end
local function history_with(started, h)
  local e = (string.gsub(ARGV[7], '"finished_at":0',
                         '"finished_at":' .. now))
  e = (string.gsub(e, '"started_at":0',
                   '"started_at":' .. (started or '0')))
  if h then return string.sub(h, 1, -2) .. ',' .. e .. ']' end
  return '[' .. e .. ']'
end
-- <<< worker end
local answer = release()
if answer then return answer end
local r = redis.call('HMGET', KEYS[1], 'started_at', 'history', 'channel',
                     'id', 'state')
local due = now + tonumber(ARGV[3])
redis.call('HDEL', KEYS[1], 'exit_code', 'signal', 'reason', 'pgid', 'pstart')
redis.call('HSET', KEYS[1], 'state', 'delayed', 'due_at', due,
           'item', ARGV[2], 'finished_at', now,
           'history', history_with(r[1], r[2]), unpack(ARGV, 8))
redis.call('ZADD', KEYS[5], due, ARGV[2])
redis.call('HINCRBY', KEYS[3], 'retried', 1)
local f = redis.call('HMGET', KEYS[1], 'exit_code', 'signal')
local attempt = item_attempt(ARGV[1])
if r[5] ~= 'running' then event(ARGV[6], r[4], r[3], 'running', attempt) end
event(ARGV[6], r[4], r[3], 'retrying', attempt, f[1], f[2])
if r[3] then
  redis.call('ZREM', ARGV[6] .. 'coyotes:running:' .. r[3], r[4])
end
return 1
