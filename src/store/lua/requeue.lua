-- requeue.lua: a worker in a fast stop stopped the task, not by its own
-- fault; put it back at the head of its queue.
--
-- KEYS: 1 task record, 2 worker proc list, 3 channel queue, 4 running set
-- ARGV: 1 queue item, 2 task id
-- Returns: 1; 0 when the item was no longer in the worker's list (already
--       recovered; nothing changes).
-- Atomic: the item leaves the worker's list as it enters the queue, so a
--       crash neither loses nor duplicates the task, and a task that
--       recovery requeued already is not requeued twice.

if redis.call('LREM', KEYS[2], -1, ARGV[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[2])
redis.call('HDEL', KEYS[1], 'pgid', 'pstart')
redis.call('HSET', KEYS[1], 'state', 'queued', 'reason',
           'stopped: the daemon stopped fast; requeued')
return 1
