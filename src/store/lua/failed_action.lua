-- failed_action.lua: the API runs a failed task again (attempts reset) or
-- forgets it.
--
-- KEYS: 1 failed set, 2 task record, 3 channel queue, 4 the channel's
--       distinct set
-- ARGV: 1 task id, 2 'rerun' or 'delete', 3 key prefix (for the event)
-- Returns: 1; 0 when the task is not in the set; 2 when, in a distinct
--       channel, the same command is queued, delayed or running already
--       (nothing changes).
-- Atomic: the task leaves the failed set as it is queued again, so two
--       requests (on one daemon or two) cannot run it twice, and the
--       distinct check holds at the moment of queueing.

-- The clock is the server's (TIME), never the caller's.
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
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
if ARGV[2] == 'delete' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('DEL', KEYS[2])
  return 1
end
local r = redis.call('HMGET', KEYS[2], 'item', 'dkey')
local item = r[1]
if not item then
  redis.call('ZREM', KEYS[1], ARGV[1])  -- its record has expired
  return 0
end
-- The finish step took the command out of the distinct set; queued again,
-- it goes back in, unless another task holds it now.
if r[2] and redis.call('SADD', KEYS[4], r[2]) == 0 then return 2 end
redis.call('ZREM', KEYS[1], ARGV[1])
local a, rest = string.match(item, '^{"a":(%d+),(.*)$')
if a then item = '{"a":1,' .. rest end
-- Due now: the wait a worker measures counts from here.
item = string.gsub(item, '"due":%d+', '"due":' .. string.format('%d', now))
-- A delivery of the last end still pending is dropped by callback_claim,
-- which finds the record no longer ended; the next end makes a new one.
redis.call('HDEL', KEYS[2], 'finished_at', 'exit_code', 'signal', 'reason',
           'started_at', 'worker', 'due_at', 'history', 'callback_state',
           'callback_attempts', 'callback_error', 'callback_delivery')
redis.call('HSET', KEYS[2], 'state', 'queued', 'attempts', 0, 'item', item)
redis.call('PERSIST', KEYS[2])
redis.call('LPUSH', KEYS[3], item)
event(ARGV[3], ARGV[1], redis.call('HGET', KEYS[2], 'channel'), 'queued', 1)
return 1
