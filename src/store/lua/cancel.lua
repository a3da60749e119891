-- cancel.lua: the API cancels a task. A queued one leaves its queue and is
-- cancelled at once; a running one is flagged, and its worker (told
-- directly by its own master, or at its next heartbeat) stops it and
-- records it cancelled.
--
-- KEYS: 1 task record, 2 stats
-- ARGV: 1 key prefix, 2 result ttl s
-- Returns: {outcome, owner}: outcome is cancelled, cancelling, finished or
--       missing.
-- Atomic: the state is read and the item taken out of its queue (or the
--       delayed set) in one step, so a worker or a promotion cannot take
--       the task in between, and a task is cancelled and counted once.

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
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return {'missing', ''} end
local chan = redis.call('HGET', KEYS[1], 'channel') or ''
local item = redis.call('HGET', KEYS[1], 'item') or ''
-- Record a task that was cancelled before it ran (state, reason, expiry,
-- the stats, its distinct entry).
local function cancel_now()
  redis.call('HDEL', KEYS[1], 'due_at', 'cancel')
  redis.call('HSET', KEYS[1], 'state', 'cancelled', 'finished_at', now,
             'reason', 'cancelled: before it started')
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  redis.call('HINCRBY', KEYS[2], 'cancelled', 1)
  event(ARGV[1], redis.call('HGET', KEYS[1], 'id'), chan, 'cancelled',
        item_attempt(item))
  local dkey = redis.call('HGET', KEYS[1], 'dkey')
  if dkey then
    redis.call('SREM', ARGV[1] .. 'coyotes:distinct:' .. chan, dkey)
  end
  return {'cancelled', ''}
end
-- A delayed task still waits in the delayed set, or was promoted to its
-- queue (promotion leaves the record as it was).
if st == 'delayed' then
  if redis.call('ZREM', ARGV[1] .. 'coyotes:delayed', item) == 1 then
    return cancel_now()
  end
  st = 'queued'
end
if st == 'queued' and
   redis.call('LREM', ARGV[1] .. 'coyotes:queue:' .. chan, 1, item) == 1 then
  return cancel_now()
end
-- Not in any queue: a worker has just taken it. Flag it.
if st == 'queued' or st == 'running' then
  redis.call('HSET', KEYS[1], 'cancel', '1')
  return {'cancelling', redis.call('HGET', KEYS[1], 'owner') or ''}
end
return {'finished', st}
