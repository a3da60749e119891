// What a process uses, from /proc (GET /metrics sums it over the master
// and its workers).
#ifndef COYOTES_BASE_PROC_USAGE_H_
#define COYOTES_BASE_PROC_USAGE_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace coyotes {

struct ProcUsage {
  uint64_t rss_bytes = 0;
  double cpu_s = 0;  // user + system
  // Open descriptors; nullopt when /proc/PID/fd may not be read (a worker
  // running as another user than the master).
  std::optional<int> fds;
};

// nullopt when the process is gone.
std::optional<ProcUsage> ReadProcUsage(pid_t pid);

}  // namespace coyotes

#endif  // COYOTES_BASE_PROC_USAGE_H_
