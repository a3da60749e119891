-- finish.lua: the task a worker ran has ended; record it and release it, and
-- take the next item of the channel queue if there is one and the channel
-- is not paused, in one step: a busy worker then needs no BLMOVE between
-- tasks.
--
-- KEYS: 1 task record, 2 worker proc list, 3 stats, 4 leases, 5 channel
--       queue
-- ARGV: 1 queue item, 2 result ttl s, 3 final state, 4 owner, 5 lease ms,
--       6 key prefix, 7 history entry (JSON object), 8 failed set max,
--       9 failed ttl s, 10 '1' to take the next item, 11 '' when the start
--       was recorded, else the ms the task ran (see below), 12.. field/value
--       pairs
-- A failed task also enters its channel's failed set (newest kept, at
-- most ARGV[8]; the record then lives ARGV[9] seconds).
-- A task that ended before its start was recorded (the worker records a
-- start only once the task has run a moment: most tasks are shorter) is
-- recorded here in one step, with what the start script would have
-- checked: a record that is gone or no longer queued is left alone.
-- Returns: {answer, next item or nil}: answer is 1 when recorded, or 0 when
--       our lease had expired and the task was recovered and taken by
--       another owner (the record is then left to the new run). A retry
--       after a lost reply finds it recorded and answers {1, nil}: the item
--       the lost reply carried is in the proc list, where the worker looks
--       after reconnecting.
-- Atomic: the result is recorded as the item leaves the worker's list (with
--       the stats, the running, failed and distinct sets), so a crash cannot
--       leave a finished task in flight, to be run again by recovery, nor a
--       released task unrecorded; and the owner is checked at the moment of
--       writing, so a run that lost its lease never overwrites the new one.

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
-- Not from a paused channel (whose name is the queue key's end): the
-- settings are compact JSON, see channel_pause.lua.
local function take_next(answer)
  if ARGV[10] ~= '1' then return {answer, false} end
  local settings = redis.call('HGET', ARGV[6] .. 'coyotes:channels',
                              string.sub(KEYS[5], #ARGV[6] + 15))
  if settings and string.find(settings, '"paused":true', 1, true) then
    return {answer, false}
  end
  return {answer, redis.call('LMOVE', KEYS[5], KEYS[2], 'RIGHT', 'LEFT')}
end
local answer = release()
if answer == 1 then return {1, false} end
if answer then return take_next(answer) end
local r = redis.call('HMGET', KEYS[1], 'started_at', 'history', 'channel',
                     'id', 'dkey', 'state', 'owner')
local chan, id, started = r[3], r[4], r[1]
-- (A start whose reply was lost may have been recorded after all.)
local unstarted = ARGV[11] ~= '' and
                  not (r[6] == 'running' and r[7] == ARGV[4])
if unstarted then
  if r[6] ~= 'queued' and r[6] ~= 'delayed' then return take_next(1) end
  started = now - tonumber(ARGV[11])
end
redis.call('HDEL', KEYS[1], 'exit_code', 'signal', 'reason', 'pgid',
           'pstart', 'cancel', 'due_at')
started = started or now
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'finished_at', now,
           'started_at', started, 'owner', ARGV[4],
           'history', history_with(started, r[2]), unpack(ARGV, 12))
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
-- A task that ended before its start was recorded: both events now, in
-- the one round trip its end costs.
local f = redis.call('HMGET', KEYS[1], 'exit_code', 'signal')
local attempt = item_attempt(ARGV[1])
if unstarted then event(ARGV[6], id, chan, 'running', attempt) end
event(ARGV[6], id, chan, ARGV[3], attempt, f[1], f[2])
if ARGV[3] == 'failed' and chan and tonumber(ARGV[8]) > 0 then
  local failed = ARGV[6] .. 'coyotes:failed:' .. chan
  redis.call('ZADD', failed, now, id)
  local over = redis.call('ZCARD', failed) - tonumber(ARGV[8])
  if over > 0 then
    local old = redis.call('ZRANGE', failed, 0, over - 1)
    for _, o in ipairs(old) do
      redis.call('DEL', ARGV[6] .. 'coyotes:task:' .. o)
    end
    redis.call('ZREMRANGEBYRANK', failed, 0, over - 1)
    redis.call('HINCRBY', KEYS[3], 'failed_dropped', over)
  end
  redis.call('EXPIRE', KEYS[1], ARGV[9])
end
if chan then
  if not unstarted then
    redis.call('ZREM', ARGV[6] .. 'coyotes:running:' .. chan, id)
  end
  if r[5] then
    redis.call('SREM', ARGV[6] .. 'coyotes:distinct:' .. chan, r[5])
  end
end
return take_next(1)
