// The parts of the tasks subcommand, in turn; see tasks.h. A part's figure
// lives in the file named for it; this file owns the connection, the
// warm-up and the order.
#include "tasks.h"

#include <sys/types.h>

#include <cstdio>
#include <string>
#include <vector>

#include "bench_redis.h"
#include "daemon_memory.h"
#include "latency.h"
#include "redis_cost.h"
#include "task_items.h"
#include "tasks_context.h"
#include "throughput.h"

namespace bench {

int Tasks(const bench::Args& args) {
  const std::string redis_addr = args.Need("redis");
  Redis redis(redis_addr);
  TasksCtx t{
      &redis,
      Keys{args.Str("namespace").empty() ? "" : args.Str("namespace") + ":"},
      args.Need("dir"),
      static_cast<int>(args.Int("http", 0)),
      args.Int("n", 10000),
      static_cast<int>(args.Int("c", 5))};
  const long lat_n = args.Int("lat-n", 200);
  const pid_t pid = static_cast<pid_t>(args.Int("pid", 0));
  t.master = pid;
  t.redis_pid = static_cast<pid_t>(redis.InfoField("server", "process_id"));
  if (!bench::PlainPath(t.dir)) {
    std::fprintf(stderr, "--dir must be a plain path\n");
    return 2;
  }
  bench::MakeDir(t.dir);

  // Warm-up: the workers' connections have loaded their scripts.
  {
    const std::string warm = t.dir + "/warm";
    bench::MakeDir(warm);
    long long base = Completed(t);
    std::vector<std::string> items;
    for (int i = 0; i < t.c; i++)
      items.push_back(
          ShellItem("touch " + warm + "/" + std::to_string(i), "default"));
    redis.LPushAll(t.keys.Prepare(), items);
    if (!WaitCompleted(t, base + t.c, 30)) {
      std::fprintf(stderr, "coyotes ran no task within 30 s\n");
      return 1;
    }
  }

  StatsWindow stats;
  if (args.Only("simple")) {
    ThroughputSimple(t, &stats);
    EmitRedisCost(stats, t.n);
  }
  if (args.Only("shell")) ThroughputShell(t);
  if (args.Only("argv")) ThroughputArgv(t);
  if (t.http_port > 0 && args.Only("http")) ThroughputHttp(t);
  if (args.Only("two")) ThroughputTwoChannels(t);

  if (args.Only("monitor")) MonitorRun(t, redis_addr);

  if (args.Only("latency")) {
    TasksCtx lt = t;
    lt.n = lat_n;
    Latency(lt, false);
    if (t.http_port > 0) Latency(lt, true);
  }

  if (pid > 0 && args.Only("after_load")) MemoryAfterLoad(pid);
  return 0;
}

}  // namespace bench
