// The daemon's memory with tasks queued, and after a load; see
// daemon_memory.h.
#include "daemon_memory.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "bench_redis.h"
#include "proc_stats.h"
#include "task_items.h"

namespace bench {

// Design. Tasks must stay queued while the daemon under test runs, so the
// daemon's own workers are kept busy: the bench first queues C "gate"
// tasks (`touch DIR/running/i && cat DIR/gate`, DIR/gate a FIFO that the
// bench holds open for writing), so every one of the C workers sits in a
// task that does not end; then it queues 1,000 `true` tasks through the
// producer list, waits until the router has moved them all to the channel
// queue, measures, queues up to Q and measures again. The daemon is a
// fresh one (--namespace of its own, channel "default" only), so "master +
// workers" is the master and its direct children, C + 1 processes; the
// gate tasks are the workers' children and are not counted.
//
// At the end the bench sends the master SIGTERM (a drain: workers take no
// new task once their task ends) and only then closes the FIFO: the gate
// tasks see EOF and end, the workers leave, the queued tasks stay in Redis.
int Memory(const bench::Args& args) {
  const std::string redis_addr = args.Need("redis");
  Redis redis(redis_addr);
  const Keys keys{args.Str("namespace").empty() ? ""
                                                : args.Str("namespace") + ":"};
  const pid_t pid = static_cast<pid_t>(args.Int("pid", 0));
  const std::string dir = args.Need("dir");
  const long queued = args.Int("queued", 100000);
  const int c = static_cast<int>(args.Int("c", 5));
  if (pid <= 0 || !bench::PlainPath(dir) || queued < 1) {
    std::fprintf(stderr, "memory: bad arguments\n");
    return 2;
  }
  bench::MakeDir(dir);
  const std::string gate = dir + "/gate";
  const std::string running = dir + "/running";
  bench::MakeDir(running);
  if (mkfifo(gate.c_str(), 0600) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "mkfifo %s: %s\n", gate.c_str(), std::strerror(errno));
    return 1;
  }
  // O_RDWR: opens at once, and the readers block in read() until we close.
  int gate_fd = open(gate.c_str(), O_RDWR | O_CLOEXEC);
  if (gate_fd < 0) {
    std::fprintf(stderr, "open %s: %s\n", gate.c_str(), std::strerror(errno));
    return 1;
  }

  const double deadline = Now() + 20;
  while (static_cast<int>(Children(pid).size()) < c && Now() < deadline)
    bench::SleepS(0.05);
  bench::SleepS(0.5);
  {
    json_t* o = bench::Figure("memory_idle", NAN, "MB");
    json_object_set_new(o, "value",
                        json_real(AddMemory(o, MeasureDaemon(pid))));
    bench::Emit(o);
  }

  BENCH_LOG("memory: blocking the %d workers", c);
  {
    bench::CreateCounter counter(running);
    std::vector<std::string> items;
    for (int i = 0; i < c; i++)
      items.push_back(ShellItem("touch " + running + "/" + std::to_string(i) +
                                    " && cat " + gate + " >/dev/null",
                                "default"));
    redis.LPushAll(keys.Prepare(), items);
    if (!std::isfinite(counter.Wait(c, 30)))
      BENCH_LOG("memory: only %ld of %d workers took a gate task",
                counter.count(), c);
  }

  auto fill_to = [&](long target, long already) {
    std::vector<std::string> items;
    items.reserve(target - already);
    for (long i = already; i < target; i++)
      items.push_back(ShellItem("true", "default"));
    redis.LPushAll(keys.Prepare(), items);
    const double until = Now() + std::max(60.0, target / 1000.0);
    while (Now() < until) {
      if (redis.Int({"LLEN", keys.Prepare()}) == 0 &&
          redis.Int({"LLEN", keys.Queue("default")}) >= target)
        return true;
      bench::SleepS(0.05);
    }
    return false;
  };
  const long small = std::min(1000L, queued);
  auto measure = [&](const char* figure, long target, long already) {
    BENCH_LOG("memory: %ld tasks queued", target);
    const double t0 = Now();
    const bool ok = fill_to(target, already);
    const double routed_s = Now() - t0;
    bench::SleepS(0.5);  // let the heartbeats and the master's timers run
    json_t* o = bench::Figure(figure, NAN, "MB");
    const double rss = AddMemory(o, MeasureDaemon(pid));
    json_object_set_new(o, "value", json_real(rss));
    bench::SetInt(o, "queued", redis.Int({"LLEN", keys.Queue("default")}));
    bench::SetNum(o, "route_seconds", routed_s);
    bench::SetNum(o, "route_rate", (target - already) / routed_s);
    bench::SetInt(o, "redis_used_memory",
                  redis.InfoField("memory", "used_memory"));
    if (!ok) bench::SetStr(o, "error", "timeout while queueing");
    bench::Emit(o);
    return rss;
  };
  const double rss_small = measure("memory_1000", small, 0);
  const double rss_big =
      queued > small ? measure("memory_queued", queued, small) : rss_small;
  if (queued <= small) {
    json_t* q = bench::Figure("memory_queued", rss_big, "MB");
    bench::SetInt(q, "queued", queued);
    bench::Emit(q);
  }
  json_t* g = bench::Figure("memory_growth", rss_big - rss_small, "MB");
  bench::SetInt(g, "from_queued", small);
  bench::SetInt(g, "to_queued", queued);
  bench::Emit(g);

  kill(pid, SIGTERM);
  bench::SleepS(0.3);
  close(gate_fd);
  return 0;
}

void MemoryAfterLoad(pid_t master) {
  json_t* o = bench::Figure("memory_after_load", NAN, "MB");
  double rss = AddMemory(o, MeasureDaemon(master));
  json_object_set_new(o, "value", json_real(rss));
  bench::SetStr(o, "note",
                "the throughput daemon after every run above (channels "
                "default and second); hwm_mb is the sum of the peaks");
  bench::Emit(o);
}

}  // namespace bench
