// Redis commands per task: redis_all_cmds_per_task (INFO commandstats
// around the throughput_simple run, every command Redis executed, the ones
// Lua scripts call included) and redis_client_cmds_per_task (a run of its
// own under MONITOR, the commands the daemon's connections sent).
#ifndef COYOTES_BENCH_REDIS_COST_H_
#define COYOTES_BENCH_REDIS_COST_H_

#include <map>
#include <string>

#include "tasks_context.h"

namespace bench {

// Redis INFO commandstats deltas around a run, for the cost figure.
struct StatsWindow {
  std::map<std::string, long long> before, after;
  long long bench_lpush = 0;
};

// Prints redis_all_cmds_per_task from a window around a run of n tasks.
void EmitRedisCost(const StatsWindow& w, long n);

// A second, smaller run under MONITOR: tells commands sent by clients from
// commands run inside scripts ("[db lua]" lines), which commandstats cannot.
// Prints redis_client_cmds_per_task.
void MonitorRun(TasksCtx& t, const std::string& redis_addr);

}  // namespace bench

#endif  // COYOTES_BENCH_REDIS_COST_H_
