// The report's first step: the raw lines of one figure, one per round of
// bench/run.sh, merged into the figure's line(s) the report prints. The
// rules are per kind of figure (rates, latency samples, Redis cost).
#ifndef COYOTES_BENCH_REPORT_MERGE_H_
#define COYOTES_BENCH_REPORT_MERGE_H_

#include <jansson.h>

#include <string>
#include <vector>

namespace bench {

// The number at `key` of the object `o`, or NAN.
double Num(json_t* o, const char* key);

// One figure from its rounds (the raw lines of one name, in order).
//   tasks/s:  value = sum(n) / sum(seconds); "rounds" lists each round's
//             rate
//   samples:  the samples of every round together -> NAME_p50, NAME_p99
//   redis_all_cmds_per_task: commands and by_command summed
//   anything else: the last line as it is
// The lines returned are new references; `lines` stay the caller's.
std::vector<json_t*> MergeRounds(const std::string& name,
                                 const std::vector<json_t*>& lines);

}  // namespace bench

#endif  // COYOTES_BENCH_REPORT_MERGE_H_
