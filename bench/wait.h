// The ?wait= figures: the latency of POST /channels/default?wait=1 for
// `true` (send to answer; latency_post_wait), and W requests waiting at
// once on one task (wait_many: Redis commands per waiting request, the
// master's RSS while they wait).
#ifndef COYOTES_BENCH_WAIT_H_
#define COYOTES_BENCH_WAIT_H_

#include "bench_util.h"

namespace bench {

// The wait subcommand.
int Wait(const bench::Args& args);

}  // namespace bench

#endif  // COYOTES_BENCH_WAIT_H_
