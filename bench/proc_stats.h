// What the daemon under test costs, read from /proc: memory (VmRSS, VmHWM,
// Pss) and CPU time of the master, of its workers (its live direct
// children) and of the tasks they reaped. A process that ends while it is
// read is left out rather than counted as zero.
#ifndef COYOTES_BENCH_PROC_STATS_H_
#define COYOTES_BENCH_PROC_STATS_H_

#include <jansson.h>
#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace bench {

// One process's memory in kB; pss_kb is -1 when smaps_rollup is unreadable.
struct ProcMem {
  pid_t pid;
  std::string role;
  long rss_kb = 0, hwm_kb = 0, pss_kb = -1;
};

// A field of /proc/PID/status in kB (VmRSS, VmHWM); -1 when unreadable.
long StatusField(pid_t pid, const char* field);

// Live direct children of `parent`.
std::vector<pid_t> Children(pid_t parent);

// utime+stime and cutime+cstime of one process, in ms.
struct ProcCpu {
  double self = 0, children = 0;
};

// CPU time spent by the daemon (master, workers), by the tasks its workers
// reaped, and by redis-server, between Start() and Stop().
class CpuWindow {
 public:
  CpuWindow(pid_t master, pid_t redis) : master_(master), redis_(redis) {}
  void Start() { before_ = Snapshot(); }
  // The figure's "cpu_ms_total" object: tasks, master, workers, redis.
  json_t* Stop();

 private:
  std::map<pid_t, ProcCpu> Snapshot();
  pid_t master_, redis_;
  std::map<pid_t, ProcCpu> before_;
};

// The master's and its workers' memory, master first.
std::vector<ProcMem> MeasureDaemon(pid_t master);

// Sums (MB, 10^6 bytes) and the per-process list, into `o`.
// Returns the RSS sum in MB.
double AddMemory(json_t* o, const std::vector<ProcMem>& mem);

}  // namespace bench

#endif  // COYOTES_BENCH_PROC_STATS_H_
