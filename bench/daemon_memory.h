// Memory figures: the RSS (and HWM, PSS) summed over the master and its
// workers. memory_idle, memory_1000, memory_queued and memory_growth come
// from a fresh daemon of its own with tasks held queued (the memory
// subcommand); memory_after_load from the throughput daemon after its runs.
#ifndef COYOTES_BENCH_DAEMON_MEMORY_H_
#define COYOTES_BENCH_DAEMON_MEMORY_H_

#include <sys/types.h>

#include "bench_util.h"

namespace bench {

// The memory subcommand; ends by sending SIGTERM to --pid.
int Memory(const bench::Args& args);

// Prints memory_after_load for the daemon whose master is `master`.
void MemoryAfterLoad(pid_t master);

}  // namespace bench

#endif  // COYOTES_BENCH_DAEMON_MEMORY_H_
