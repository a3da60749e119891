// The promotion figure: how late coyotes moves delayed tasks (run_at) to
// their channel queue when many fall due at the same instant
// (promotion_lateness_p50, _p99).
#ifndef COYOTES_BENCH_PROMOTION_H_
#define COYOTES_BENCH_PROMOTION_H_

#include "bench_util.h"

namespace bench {

// The promote subcommand.
int Promote(const bench::Args& args);

}  // namespace bench

#endif  // COYOTES_BENCH_PROMOTION_H_
