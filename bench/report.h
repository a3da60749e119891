// The report subcommand: the figures of a bench run merged over the rounds,
// the table of targets with PASS/MISS, and one JSON line per target. Reads
// the raw lines only; measures nothing.
#ifndef COYOTES_BENCH_REPORT_H_
#define COYOTES_BENCH_REPORT_H_

#include "bench_util.h"

namespace bench {

// report --in=RAW [--out=FILE]: merges the rounds of RAW, prints one JSON
// line per figure, the table, and one JSON line per target; the figure and
// target lines are appended to FILE too.
int Report(const bench::Args& args);

}  // namespace bench

#endif  // COYOTES_BENCH_REPORT_H_
