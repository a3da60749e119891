// The tasks subcommand: every figure measured against the throughput daemon
// (throughput, Redis cost, latency, memory after the load), in the order
// bench/run.sh relies on, each part picked by --only=.
#ifndef COYOTES_BENCH_TASKS_H_
#define COYOTES_BENCH_TASKS_H_

#include "bench_util.h"

namespace bench {

int Tasks(const bench::Args& args);

}  // namespace bench

#endif  // COYOTES_BENCH_TASKS_H_
