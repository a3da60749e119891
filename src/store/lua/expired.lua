-- expired.lua: the master lists the dead owners and where their tasks ran, so
-- that it can end a dead worker's task on its own host before requeueing
-- it (read only).
--
-- KEYS: 1 leases
-- ARGV: 1 key prefix, 2 at most this many owners
-- Returns: a flat list: owner, task id, host, pgid, pstart, ... (task id ''
--       for an owner with nothing in flight).
-- Atomic: the leases, the in-flight lists and the records are read from one
--       state of the store, judged by the server's clock, in one round trip.

-- The clock is the server's (TIME), never the caller's, so that leases and
-- timestamps agree across daemons on several machines.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
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
