// Throughput figures: N tasks pushed at once, tasks per second from the
// first push to the N-th task's file (throughput_simple, _shell, _argv,
// _http, _two_channels). Each also carries the CPU time the daemon, its
// tasks and redis-server spent in the run.
#ifndef COYOTES_BENCH_THROUGHPUT_H_
#define COYOTES_BENCH_THROUGHPUT_H_

#include "redis_cost.h"
#include "tasks_context.h"

namespace bench {

// `touch DIR/i` through the producer list; `stats`, when given, gets the
// INFO commandstats around the run (for redis_all_cmds_per_task).
void ThroughputSimple(TasksCtx& t, StatsWindow* stats);
// `touch DIR/i && true`: a shell that must fork the command.
void ThroughputShell(TasksCtx& t);
// {command: touch, args: [DIR/i]}: no shell at all.
void ThroughputArgv(TasksCtx& t);
// POST /channels/default instead of LPUSH; needs t.http_port.
void ThroughputHttp(TasksCtx& t);
// Half the tasks on channel default, half on channel second.
void ThroughputTwoChannels(TasksCtx& t);

}  // namespace bench

#endif  // COYOTES_BENCH_THROUGHPUT_H_
