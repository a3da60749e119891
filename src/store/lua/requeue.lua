-- requeue.lua: a worker in a fast stop stopped the task, not by its own
-- fault; put it back at the head of its queue.
--
-- KEYS: 1 task record, 2 worker proc list, 3 channel queue, 4 running set
-- ARGV: 1 queue item, 2 task id, 3 key prefix (for the event)
-- Returns: 1; 0 when the item was no longer in the worker's list (already
--       recovered; nothing changes).
-- Atomic: the item leaves the worker's list as it enters the queue, so a
--       crash neither loses nor duplicates the task, and a task that
--       recovery requeued already is not requeued twice.

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
if redis.call('LREM', KEYS[2], -1, ARGV[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[2])
redis.call('HDEL', KEYS[1], 'pgid', 'pstart')
redis.call('HSET', KEYS[1], 'state', 'queued', 'reason',
           'stopped: the daemon stopped fast; requeued')
event(ARGV[3], ARGV[2], redis.call('HGET', KEYS[1], 'channel'), 'queued',
      item_attempt(ARGV[1]))
return 1
