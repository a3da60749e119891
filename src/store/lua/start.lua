-- start.lua: the task a worker took has been running for ARGV[10] ms; mark it
-- running (from then on: started_at is now minus that).
--
-- KEYS: 1 task record, 2 worker proc list, 3 leases
-- ARGV: 1 queue item, 2 worker label (host:pid), 3 owner, 4 lease ms,
--       5 attempt, 6 host, 7 pgid, 8 process start time, 9 key prefix,
--       10 ms the task has run
-- Returns: 1; 0 when the task must not run: its record is gone or another
--       owner runs it (the item is dropped, nothing is recorded); 2 when it
--       was cancelled between the claim and now: the worker stops it, and
--       its finish records it as cancelled. A retry after a lost reply finds
--       the task running under our name and answers 1 again.
-- Atomic: the record's state, owner and cancel flag are read and the task
--       marked running in one step, so a recovery or a cancel from another
--       daemon cannot slip in between the check and the write.

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
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[3])
local r = redis.call('HMGET', KEYS[1], 'state', 'owner', 'channel', 'cancel',
                     'id')
local st = r[1]
if st == 'running' and r[2] == ARGV[3] then return 1 end
-- 'delayed': promoted (promotion leaves the record as it was).
if st ~= 'queued' and st ~= 'delayed' then
  redis.call('LREM', KEYS[2], -1, ARGV[1])
  return 0
end
if r[4] then return 2 end
local started = now - tonumber(ARGV[10])
redis.call('HDEL', KEYS[1], 'finished_at', 'exit_code', 'signal', 'reason',
           'due_at')
redis.call('HSET', KEYS[1], 'state', 'running', 'started_at', started,
           'worker', ARGV[2], 'owner', ARGV[3], 'attempts', ARGV[5],
           'host', ARGV[6], 'pgid', ARGV[7], 'pstart', ARGV[8])
redis.call('ZADD', ARGV[9] .. 'coyotes:running:' .. (r[3] or ''), started,
           r[5])
event(ARGV[9], r[5], r[3], 'running', ARGV[5])
return 1
