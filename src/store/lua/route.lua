-- route.lua: producer items (from the router or the HTTP API) were parsed
-- and are valid; make them queued (or delayed) tasks. One call takes a
-- whole batch, so that routing costs one round trip per batch, not per
-- task.
--
-- KEYS: 1 router proc list (unused over HTTP), 2 channels, 3 dead letters,
--       4 stats, 5 delayed set; with a schedule's guard also 6 the
--       schedules' due set, 7 the schedule's state hash
-- ARGV: 1 key prefix, 2 default settings JSON for a new channel, 3 max
--       channels, 4 '' or a schedule's guard (below), then for each task:
--       raw payload ('' over HTTP), channel,
--       queue item, task id, command (the distinct key), dead-letter entry
--       used when its channel cannot be created, delay ms (from now),
--       run_at (unix ms; 0: none), N, and N record field/value strings.
-- A task due later than now waits in the delayed set (score: due time).
-- A schedule's due time (one task, from daemon/scheduler.cc) comes with a
-- guard, JSON {name, due, next, fire, overlap_skip}: the task is made only
-- if KEYS[6] still holds `due` for `name` (else {'gone', 0}: another
-- daemon fired it, or the schedule changed), and `next` (or nothing when
-- null) replaces it in the same step; with `fire` false (a missed due time
-- that is skipped), or overlap_skip while the schedule's last task is
-- queued, delayed or running, nothing is made ({'skipped', 0}, counted).
-- Returns: {status, created} per task, flattened: status is ok, full,
--       duplicate or distinct; created is 1 when that task created its
--       channel.
-- Atomic: a task's record, its queue item (or delayed entry), its distinct
--       entry and the removal of its payload from the router's list happen
--       together, so a crash leaves the task routed or still in the list,
--       never both or neither; and the channel count is checked and the
--       channel created in one step, so routers on several daemons cannot
--       pass the channel limit together.
--       A schedule's due time moves on with the task it makes, so that it
--       fires exactly once across daemons and crashes.

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
local P = ARGV[1]
-- Whether each channel seen in this batch is distinct (read once per
-- channel, not per task), and how many tasks were dealt.
local distinct = {}
local dealt = 0
local function route(payload, chan, item, id, cmd, dl, delay, run_at, fields)
  local function done()
    if payload ~= '' then redis.call('LREM', KEYS[1], -1, payload) end
  end
  local created = 0
  local settings = nil
  if distinct[chan] == nil then
    settings = redis.call('HGET', KEYS[2], chan)
  end
  if distinct[chan] == nil and not settings then
    if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[3]) then
      if payload ~= '' then
        redis.call('LPUSH', KEYS[3], dl)
        redis.call('LTRIM', KEYS[3], 0, 9999)
      end
      done()
      return 'full', 0
    end
    settings = ARGV[2]
    redis.call('HSET', KEYS[2], chan, settings)
    created = 1
  end
  if distinct[chan] == nil then
    distinct[chan] = cjson.decode(settings).distinct and true or false
  end
  local tk = P .. 'coyotes:task:' .. id
  local st = redis.call('HGET', tk, 'state')
  if st == 'queued' or st == 'running' or st == 'delayed' then
    done()
    return 'duplicate', created
  end
  local dkey = false
  if distinct[chan] then
    dkey = redis.sha1hex(cmd)
    if redis.call('SADD', P .. 'coyotes:distinct:' .. chan, dkey) == 0 then
      done()
      return 'distinct', created
    end
  end
  redis.call('DEL', tk)
  local due = now + delay
  if run_at > 0 then due = run_at end
  local state = 'queued'
  if due > now then state = 'delayed' end
  redis.call('HSET', tk, 'state', state, 'created_at', now, 'attempts', 0,
             'item', item, unpack(fields))
  if dkey then redis.call('HSET', tk, 'dkey', dkey) end
  event(P, id, chan, state, item_attempt(item))
  if state == 'delayed' then
    redis.call('HSET', tk, 'due_at', due)
    redis.call('ZADD', KEYS[5], due, item)
  else
    redis.call('LPUSH', P .. 'coyotes:queue:' .. chan, item)
  end
  dealt = dealt + 1
  done()
  return 'ok', created
end
if ARGV[4] ~= '' then
  local g = cjson.decode(ARGV[4])
  if tonumber(redis.call('ZSCORE', KEYS[6], g.name)) ~= g.due then
    return {'gone', 0}
  end
  if g.next ~= cjson.null then
    redis.call('ZADD', KEYS[6], g.next, g.name)
  else
    redis.call('ZREM', KEYS[6], g.name)
  end
  local skip = not g.fire
  if not skip and g.overlap_skip then
    local last = redis.call('HGET', KEYS[7], 'last_task')
    local st = last and redis.call('HGET', P .. 'coyotes:task:' .. last,
                                   'state')
    skip = st == 'queued' or st == 'delayed' or st == 'running'
  end
  if skip then
    redis.call('HINCRBY', KEYS[7], 'skipped', 1)
    return {'skipped', 0}
  end
  redis.call('HSET', KEYS[7], 'last_due', g.fire_at, 'last_task', ARGV[8])
  redis.call('HINCRBY', KEYS[7], 'fired', 1)
end
local out = {}
local i = 5
while i <= #ARGV do
  local n = tonumber(ARGV[i + 8])
  local fields = {}
  for k = 1, n do fields[k] = ARGV[i + 8 + k] end
  local status, created = route(ARGV[i], ARGV[i + 1], ARGV[i + 2],
                                ARGV[i + 3], ARGV[i + 4], ARGV[i + 5],
                                tonumber(ARGV[i + 6]), tonumber(ARGV[i + 7]),
                                fields)
  table.insert(out, status)
  table.insert(out, created)
  i = i + 9 + n
end
if dealt > 0 then redis.call('HINCRBY', KEYS[4], 'dealt', dealt) end
return out
