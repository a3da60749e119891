// What every run of the tasks subcommand shares: the daemon under test, its
// Redis, the scratch folder, and how many tasks the daemon has finished
// (coyotes:stats succeeded + failed), the bench's way to know that a task
// was recorded and not only run.
#ifndef COYOTES_BENCH_TASKS_CONTEXT_H_
#define COYOTES_BENCH_TASKS_CONTEXT_H_

#include <sys/types.h>

#include <string>

#include "bench_redis.h"

namespace bench {

struct TasksCtx {
  Redis* redis;
  Keys keys;
  std::string dir;
  int http_port;
  long n;
  int c;
  pid_t master = 0;
  pid_t redis_pid = 0;
};

// Tasks finished so far (succeeded + failed); the failed ones in *failed.
long long Completed(TasksCtx& t, long long* failed = nullptr);

// Polls Completed() every 2 ms until it reaches `target`.
bool WaitCompleted(TasksCtx& t, long long target, double timeout_s);

}  // namespace bench

#endif  // COYOTES_BENCH_TASKS_CONTEXT_H_
