// The metrics figure: how long GET /metrics takes with many channels
// (metrics_scrape_p50, _p99) and how many Redis round trips one scrape
// costs (metrics_redis_calls: script calls per scrape).
#ifndef COYOTES_BENCH_METRICS_SCRAPE_H_
#define COYOTES_BENCH_METRICS_SCRAPE_H_

#include "bench_util.h"

namespace bench {

// The metrics subcommand.
int Metrics(const bench::Args& args);

}  // namespace bench

#endif  // COYOTES_BENCH_METRICS_SCRAPE_H_
