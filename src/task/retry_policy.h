// Whether a failed task runs again, and after how long: pure functions of
// the outcome and the task's retry settings.
//
// A failure is retried while attempts remain (attempt <= retry, where
// attempt counts runs so far and retry is the number of runs allowed after
// the first). Exit code 75 (EX_TEMPFAIL) is always retried while attempts
// remain. When retry_on lists exit codes it narrows the rule: only exits
// with those codes (and 75) are retried; signals, timeouts and spawn
// failures then are not. A cancel or a fast stop is never retried. The delay
// grows as min * 2^(attempt-1), capped at max, with "equal jitter": a uniform
// draw from the upper half of that value, so that a crowd of failures spreads
// out but no retry comes sooner than half the nominal delay (and never
// sooner than min).
#ifndef COYOTES_TASK_RETRY_POLICY_H_
#define COYOTES_TASK_RETRY_POLICY_H_

#include <vector>

#include "task/task_executor.h"

namespace coyotes {

inline constexpr int kExitTempFail = 75;  // EX_TEMPFAIL
inline constexpr int kMaxRetry = 100;

struct RetrySettings {
  int retry = 0;              // runs allowed after the first
  std::vector<int> retry_on;  // empty: every failure kind
};

bool ShouldRetry(const TaskOutcome& outcome, int attempt,
                 const RetrySettings& settings);

// `unit` is a uniform random number in [0, 1).
double RetryDelay(int attempt, double min_s, double max_s, double unit);

}  // namespace coyotes

#endif  // COYOTES_TASK_RETRY_POLICY_H_
