-- delete_channel.lua: the API forgets a channel; with purge, its queued tasks
-- are cancelled too.
--
-- KEYS: 1 channels, 2 channel queue, 3 stats
-- ARGV: 1 channel, 2 purge (0/1), 3 key prefix, 4 result ttl s
-- Returns: the number purged, or -1 when the channel did not exist.
-- Atomic: the queue is read, its tasks marked cancelled and the queue
--       deleted in one step, so no worker takes a task that is then marked
--       cancelled, and no task routed meanwhile is deleted unrecorded.

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
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return -1 end
if ARGV[2] ~= '1' then return 0 end
local items = redis.call('LRANGE', KEYS[2], 0, -1)
for _, item in ipairs(items) do
  local ok, t = pcall(cjson.decode, item)
  if ok and type(t) == 'table' and type(t.id) == 'string' then
    local tk = ARGV[3] .. 'coyotes:task:' .. t.id
    redis.call('HSET', tk, 'state', 'cancelled', 'finished_at', now,
               'reason', 'cancelled: channel purged')
    redis.call('EXPIRE', tk, ARGV[4])
    event(ARGV[3], t.id, ARGV[1], 'cancelled', item_attempt(item))
  end
end
redis.call('DEL', KEYS[2], ARGV[3] .. 'coyotes:distinct:' .. ARGV[1])
redis.call('HINCRBY', KEYS[3], 'cancelled', #items)
return #items
