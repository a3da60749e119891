#include "store/scripts.h"

namespace coyotes {

// Every script reads the clock from Redis (TIME), never from the caller, so
// that leases and timestamps agree across daemons on several machines.
#define COYOTES_NOW                \
  "local t = redis.call('TIME')\n" \
  "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

// Shared by the finish and retry scripts, whose KEYS[1] is the task
// record, KEYS[2] the worker's in-progress list, KEYS[4] the leases, and
// ARGV[1] the item, ARGV[4] the owner, ARGV[5] the lease ms, ARGV[7] the
// history entry. release() renews the lease and takes the item out of the
// in-progress list; it answers nil to go on, 0 when the task was recovered
// and taken by another owner, 1 when it was already recorded (a retry
// after a lost reply). history_with() is the record's history with this
// attempt added, its times from the record and the server's clock.
#define COYOTES_WORKER_END                                                     \
  "local function release()\n"                                                 \
  "  redis.call('ZADD', KEYS[4], now + tonumber(ARGV[5]), ARGV[4])\n"          \
  "  if redis.call('LREM', KEYS[2], -1, ARGV[1]) == 1 then return nil end\n"   \
  "  if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[4] then return 0 end\n"   \
  "  if redis.call('HGET', KEYS[1], 'state') ~= 'running' then return 1 end\n" \
  "  return nil\n"                                                             \
  "end\n"                                                                      \
  "local function history_with(started, h)\n"                                  \
  "  local e = (string.gsub(ARGV[7], '\"finished_at\":0',\n"                   \
  "                         '\"finished_at\":' .. now))\n"                     \
  "  e = (string.gsub(e, '\"started_at\":0',\n"                                \
  "                   '\"started_at\":' .. (started or '0')))\n"               \
  "  if h then return string.sub(h, 1, -2) .. ',' .. e .. ']' end\n"           \
  "  return '[' .. e .. ']'\n"                                                 \
  "end\n"

// Router: producer items were parsed and are valid; make them queued (or
// delayed) tasks. One call takes a whole batch, so that routing costs one
// round trip per batch, not per task.
// KEYS: 1 router proc list ('' over HTTP), 2 channels, 3 dead letters,
//       4 stats, 5 delayed set
// ARGV: 1 key prefix, 2 default settings JSON for a new channel, 3 max
//       channels, then for each task: raw payload ('' over HTTP), channel,
//       queue item, task id, command (the distinct key), dead-letter entry
//       used when its channel cannot be created, delay ms (from now),
//       run_at (unix ms; 0: none), N, and N record field/value strings.
// A task due later than now waits in the delayed set (score: due time).
// Returns {status, created} per task, flattened: status is ok, full,
// duplicate or distinct; created is 1 when that task created its channel.
const Script kRouteScript = {"route", COYOTES_NOW R"lua(
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
local out = {}
local i = 4
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
)lua"};

// Router: take up to ARGV[1] more items without blocking (after a BLMOVE
// found the queue non-empty), so that a burst costs one round trip per
// batch rather than per item.
// KEYS: 1 prepare queue, 2 router proc list. Returns the items, oldest first.
const Script kTakeBatchScript = {"take_batch", R"lua(
local out = {}
for i = 1, tonumber(ARGV[1]) do
  local item = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
  if not item then break end
  out[i] = item
end
return out
)lua"};

// Router: a producer item is malformed; keep it for the operator.
// KEYS: 1 router proc list, 2 dead letters. ARGV: 1 raw payload, 2 entry.
const Script kDeadLetterScript = {"dead_letter", R"lua(
redis.call('LPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], 0, 9999)
redis.call('LREM', KEYS[1], -1, ARGV[1])
return 1
)lua"};

// Worker: the task it took has been running for ARGV[10] ms; mark it
// running (from then on: started_at is now minus that).
// KEYS: 1 task record, 2 worker proc list, 3 leases
// ARGV: 1 queue item, 2 worker label (host:pid), 3 owner, 4 lease ms,
//       5 attempt, 6 host, 7 pgid, 8 process start time, 9 key prefix,
//       10 ms the task has run
// Returns 1; 0 when the task must not run: its record is gone or another
// owner runs it (the item is dropped, nothing is recorded); 2 when it was
// cancelled between the claim and now: the worker stops it, and its
// finish records it as cancelled. A retry after a lost reply finds the
// task running under our name and answers 1 again.
const Script kStartScript = {"start", COYOTES_NOW R"lua(
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
return 1
)lua"};

// Worker: the task ended; record it and release it, and take the next
// item of the channel queue if there is one, in one step: a busy worker
// then needs no BLMOVE between tasks.
// KEYS: 1 task record, 2 worker proc list, 3 stats, 4 leases, 5 channel
//       queue
// ARGV: 1 queue item, 2 result ttl s, 3 final state, 4 owner, 5 lease ms,
//       6 key prefix, 7 history entry (JSON object), 8 failed set max,
//       9 failed ttl s, 10 '1' to take the next item, 11 '' when the start
//       was recorded, else the ms the task ran (see below), 12.. field/value
//       pairs
// A failed task also enters its channel's failed set (newest kept, at
// most ARGV[8]; the record then lives ARGV[9] seconds).
// A task that ended before its start was recorded (the worker records a
// start only once the task has run a moment: most tasks are shorter) is
// recorded here in one step, with what the start script would have
// checked: a record that is gone or no longer queued is left alone.
// Returns {answer, next item or nil}: answer is 1 when recorded, or 0 when
// our lease had expired and the task was recovered and taken by another
// owner (the record is then left to the new run). A retry after a lost
// reply finds it recorded and answers {1, nil}: the item the lost reply
// carried is in the proc list, where the worker looks after reconnecting.
const Script kFinishScript = {"finish", COYOTES_NOW COYOTES_WORKER_END R"lua(
local function take_next(answer)
  if ARGV[10] ~= '1' then return {answer, false} end
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
)lua"};

// Worker: the task failed and may run again: record this attempt and put
// the next one in the delayed set, in one step.
// KEYS: 1 task record, 2 worker proc list, 3 stats, 4 leases, 5 delayed
// ARGV: 1 queue item, 2 next queue item (attempt raised), 3 delay ms,
//       4 owner, 5 lease ms, 6 key prefix, 7 history entry, 8.. field/value
// Returns 1, or 0 when the task had been recovered and taken elsewhere.
const Script kRetryScript = {"retry", COYOTES_NOW COYOTES_WORKER_END R"lua(
local answer = release()
if answer then return answer end
local r = redis.call('HMGET', KEYS[1], 'started_at', 'history', 'channel',
                     'id')
local due = now + tonumber(ARGV[3])
redis.call('HDEL', KEYS[1], 'exit_code', 'signal', 'reason', 'pgid', 'pstart')
redis.call('HSET', KEYS[1], 'state', 'delayed', 'due_at', due,
           'item', ARGV[2], 'finished_at', now,
           'history', history_with(r[1], r[2]), unpack(ARGV, 8))
redis.call('ZADD', KEYS[5], due, ARGV[2])
redis.call('HINCRBY', KEYS[3], 'retried', 1)
if r[3] then
  redis.call('ZREM', ARGV[6] .. 'coyotes:running:' .. r[3], r[4])
end
return 1
)lua"};

// Master: move the delayed tasks that are due to the tail of their
// channel queue (as if just pushed). Atomic, so that with several daemons
// each task is promoted once.
// KEYS: 1 delayed set. ARGV: 1 key prefix, 2 most tasks per call
// Returns {moved, more (1 when the call stopped at its limit), ms until
// the next due task or -1}.
const Script kPromoteScript = {"promote", COYOTES_NOW R"lua(
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now,
                         'LIMIT', 0, tonumber(ARGV[2]))
if #items > 0 then redis.call('ZREM', KEYS[1], unpack(items)) end
-- Queue items start {"a":N,"id":"...","chan":"..." and channel names hold
-- no quote: no JSON decoding needed. The records keep state 'delayed' (the
-- start script runs such a task, the API shows it queued once due), so a
-- promotion costs one LPUSH per channel: 10,000 tasks due together leave
-- in a few milliseconds. A cancelled task has left the set already.
local moved = 0
local by_chan = {}
for _, item in ipairs(items) do
  local chan = string.match(item, '^{"a":%d+,"id":"[^"]+","chan":"([^"]+)"')
  if chan then
    local list = by_chan[chan]
    if not list then
      list = {}
      by_chan[chan] = list
    end
    list[#list + 1] = item
    moved = moved + 1
  end
end
for chan, list in pairs(by_chan) do
  redis.call('LPUSH', ARGV[1] .. 'coyotes:queue:' .. chan, unpack(list))
end
local more = 0
if #items == tonumber(ARGV[2]) then more = 1 end
local next_due = -1
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then next_due = math.max(0, tonumber(first[2]) - now) end
return {moved, more, next_due}
)lua"};

// API: one page of a sorted set of tasks (the delayed set, by due time, or
// a failed set, newest first) with each task's record. Members whose record
// is gone (expired) are dropped from a failed set on the way.
// KEYS: 1 the set. ARGV: 1 key prefix, 2 offset, 3 limit, 4 'delayed' or
// 'failed', 5 failed ttl ms (entries older are dropped)
// Returns {count, n, fields of record 1 (flat), ..., fields of record n}.
const Script kTaskSetPageScript = {"task_set_page", COYOTES_NOW R"lua(
local members
if ARGV[4] == 'failed' then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[5]))
  members = redis.call('ZREVRANGE', KEYS[1], tonumber(ARGV[2]),
                       tonumber(ARGV[2]) + tonumber(ARGV[3]) - 1)
else
  members = redis.call('ZRANGE', KEYS[1], tonumber(ARGV[2]),
                       tonumber(ARGV[2]) + tonumber(ARGV[3]) - 1)
end
local out = {0, 0}
for _, m in ipairs(members) do
  local id = m
  if ARGV[4] == 'delayed' then
    local ok, t = pcall(cjson.decode, m)
    id = (ok and type(t) == 'table' and t.id) or ''
  end
  local rec = redis.call('HGETALL', ARGV[1] .. 'coyotes:task:' .. id)
  if #rec > 0 then
    table.insert(out, rec)
  elseif ARGV[4] == 'failed' then
    redis.call('ZREM', KEYS[1], m)
  end
end
out[1] = redis.call('ZCARD', KEYS[1])
out[2] = #out - 2
return out
)lua"};

// API: run a failed task again (attempts reset) or forget it.
// KEYS: 1 failed set, 2 task record, 3 channel queue, 4 the channel's
// distinct set. ARGV: 1 task id, 2 'rerun' or 'delete'. Returns 1; 0 when
// the task is not in the set; 2 when, in a distinct channel, the same
// command is queued, delayed or running already (nothing changes).
const Script kFailedActionScript = {"failed_action", R"lua(
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
redis.call('HDEL', KEYS[2], 'finished_at', 'exit_code', 'signal', 'reason',
           'started_at', 'worker', 'due_at', 'history')
redis.call('HSET', KEYS[2], 'state', 'queued', 'attempts', 0, 'item', item)
redis.call('PERSIST', KEYS[2])
redis.call('LPUSH', KEYS[3], item)
return 1
)lua"};

// Worker, fast stop: the task was stopped by us, not by its own fault; put
// it back at the head of its queue.
// KEYS: 1 task record, 2 worker proc list, 3 channel queue, 4 running set.
// ARGV: 1 item, 2 task id.
const Script kRequeueScript = {"requeue", R"lua(
if redis.call('LREM', KEYS[2], -1, ARGV[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[2])
redis.call('HDEL', KEYS[1], 'pgid', 'pstart')
redis.call('HSET', KEYS[1], 'state', 'queued', 'reason',
           'stopped: the daemon stopped fast; requeued')
return 1
)lua"};

// Any owner: renew the lease. KEYS: 1 leases. ARGV: 1 owner, 2 lease ms.
// Returns 1 when the lease had been lost (recovered by someone else).
const Script kHeartbeatScript = {"heartbeat", COYOTES_NOW R"lua(
return redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
)lua"};

// Worker, while a task runs: renew the lease and learn whether the task
// was cancelled (by any daemon's API).
// KEYS: 1 leases, 2 task record. ARGV: 1 owner, 2 lease ms.
// Returns {lease_was_lost, cancel_requested}.
const Script kTaskHeartbeatScript = {"task_heartbeat", COYOTES_NOW R"lua(
local lost = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local cancel = redis.call('HEXISTS', KEYS[2], 'cancel')
return {lost, cancel}
)lua"};

// API: cancel a task. A queued one leaves its queue and is cancelled at
// once; a running one is flagged, and its worker (told directly by its own
// master, or at its next heartbeat) stops it and records it cancelled.
// KEYS: 1 task record, 2 stats. ARGV: 1 key prefix, 2 result ttl s
// Returns {outcome, owner}: outcome is cancelled, cancelling, finished or
// missing.
const Script kCancelScript = {"cancel", COYOTES_NOW R"lua(
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
)lua"};

// API: one page of a channel's tasks, running ones first (by start time),
// then queued ones in the order they will run.
// KEYS: 1 running set, 2 channel queue. ARGV: 1 key prefix, 2 offset,
// 3 limit. Returns {running_count, queued_count, {id, name}..., items...}
// flattened as: running_count, queued_count, n_running_on_page, id, name,
// ..., queue items...
const Script kChannelPageScript = {"channel_page", R"lua(
local nrun = redis.call('ZCARD', KEYS[1])
local nq = redis.call('LLEN', KEYS[2])
local offset = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local out = {nrun, nq, 0}
if offset < nrun and limit > 0 then
  local ids = redis.call('ZRANGE', KEYS[1], offset, offset + limit - 1)
  for _, id in ipairs(ids) do
    table.insert(out, id)
    table.insert(out, redis.call('HGET', ARGV[1] .. 'coyotes:task:' .. id,
                                 'name') or '')
  end
  out[3] = #ids
  limit = limit - #ids
  offset = 0
else
  offset = offset - nrun
end
if limit > 0 and offset < nq then
  -- The next to run is the rightmost item.
  local items = redis.call('LRANGE', KEYS[2], -(offset + limit), -(offset + 1))
  for i = #items, 1, -1 do table.insert(out, items[i]) end
end
return out
)lua"};

// API: forget a channel; with purge, its queued tasks are cancelled too.
// KEYS: 1 channels, 2 channel queue, 3 stats. ARGV: 1 channel, 2 purge
// (0/1), 3 key prefix, 4 result ttl s. Returns the number purged, or -1
// when the channel did not exist.
const Script kDeleteChannelScript = {"delete_channel", COYOTES_NOW R"lua(
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
  end
end
redis.call('DEL', KEYS[2], ARGV[3] .. 'coyotes:distinct:' .. ARGV[1])
redis.call('HINCRBY', KEYS[3], 'cancelled', #items)
return #items
)lua"};

// Master: list the dead owners and where their tasks ran, so that the
// master can end a dead worker's task on its own host before requeueing it
// (read only).
// KEYS: 1 leases. ARGV: 1 key prefix, 2 at most this many owners
// Returns a flat list: owner, task id, host, pgid, pstart, ... (task id ''
// for an owner with nothing in flight).
const Script kExpiredScript = {"expired", COYOTES_NOW R"lua(
local owners = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - 1,
                          'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, owner in ipairs(owners) do
  local items = redis.call('LRANGE', ARGV[1] .. 'coyotes:proc:' .. owner, 0, -1)
  local any = false
  if string.sub(owner, 1, 7) ~= 'router/' then
    for _, item in ipairs(items) do
      local ok, t = pcall(cjson.decode, item)
      if ok and type(t) == 'table' and type(t.id) == 'string' then
        local f = redis.call('HMGET', ARGV[1] .. 'coyotes:task:' .. t.id,
                             'host', 'pgid', 'pstart')
        table.insert(out, owner)
        table.insert(out, t.id)
        table.insert(out, f[1] or '')
        table.insert(out, f[2] or '')
        table.insert(out, f[3] or '')
        any = true
      end
    end
  end
  if not any then
    for _, v in ipairs({owner, '', '', '', ''}) do table.insert(out, v) end
  end
end
return out
)lua"};

// Master: give the in-flight items of dead owners back to their queues.
// An owner is dead when its lease has expired, or when ARGV[2] names it
// (the master reaped that worker itself). A worker's item goes back to the
// consuming end of its channel queue with its attempt counter raised; a
// router's raw payload goes back to the consuming end of the prepare queue.
// KEYS: 1 leases, 2 prepare queue
// ARGV: 1 key prefix, 2 forced owner or '', 3 at most this many owners
// Returns a flat list: owner, task id, owner, task id ... of requeued tasks.
const Script kRecoverScript = {"recover", COYOTES_NOW R"lua(
local owners
if ARGV[2] ~= '' then
  owners = {ARGV[2]}
else
  owners = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - 1,
                      'LIMIT', 0, tonumber(ARGV[3]))
end
local out = {}
for _, owner in ipairs(owners) do
  local proc = ARGV[1] .. 'coyotes:proc:' .. owner
  local items = redis.call('LRANGE', proc, 0, -1)
  for _, item in ipairs(items) do
    if string.sub(owner, 1, 7) == 'router/' then
      redis.call('RPUSH', KEYS[2], item)
    else
      local ok, t = pcall(cjson.decode, item)
      if ok and type(t) == 'table' and type(t.id) == 'string' and
         type(t.chan) == 'string' then
        local a, rest = string.match(item, '^{"a":(%d+),(.*)$')
        local again = item
        if a then again = '{"a":' .. (tonumber(a) + 1) .. ',' .. rest end
        local tk = ARGV[1] .. 'coyotes:task:' .. t.id
        local st = redis.call('HGET', tk, 'state')
        if st == 'running' or st == 'queued' or st == 'delayed' then
          redis.call('RPUSH', ARGV[1] .. 'coyotes:queue:' .. t.chan, again)
          redis.call('ZREM', ARGV[1] .. 'coyotes:running:' .. t.chan, t.id)
          redis.call('HDEL', tk, 'pgid', 'pstart')
          redis.call('HSET', tk, 'state', 'queued', 'item', again,
                     'reason', 'lost: worker ' .. owner .. ' died')
          table.insert(out, owner)
          table.insert(out, t.id)
        end
      end
    end
  end
  redis.call('DEL', proc)
  redis.call('ZREM', KEYS[1], owner)
end
return out
)lua"};

}  // namespace coyotes
