-- recover.lua: the master gives the in-flight items of dead owners back to
-- their queues. An owner is dead when its lease has expired, or when
-- ARGV[2] names it (the master reaped that worker itself). A worker's item
-- goes back to the consuming end of its channel queue with its attempt
-- counter raised; a router's raw payload goes back to the consuming end of
-- the prepare queue.
--
-- KEYS: 1 leases, 2 prepare queue
-- ARGV: 1 key prefix, 2 forced owner or '', 3 at most this many owners
-- Returns: a flat list: owner, task id, owner, task id ... of requeued
--       tasks.
-- Atomic: the items leave a dead owner's list, with its lease, as they
--       enter the queues, so a crash midway loses none and two masters
--       recovering at once requeue each item once.

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
          event(ARGV[1], t.id, t.chan, 'queued', item_attempt(again))
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
