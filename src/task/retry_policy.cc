#include "task/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace coyotes {

bool ShouldRetry(const TaskOutcome& o, int attempt, const RetrySettings& s) {
  if (o.succeeded() || attempt > s.retry) return false;
  using K = TaskOutcome::Kind;
  switch (o.kind) {
    case K::kCancelled:
    case K::kStopped:
    case K::kRefused:  // refused again on every attempt
      return false;
    case K::kExited:
      if (o.exit_code == kExitTempFail || s.retry_on.empty()) return true;
      return std::find(s.retry_on.begin(), s.retry_on.end(), o.exit_code) !=
             s.retry_on.end();
    case K::kSignaled:
    case K::kCpuLimit:
    case K::kFileSizeLimit:
    case K::kTimeout:
    case K::kSpawnFailed:
    // Another daemon's host may provide it: as any spawn failure.
    case K::kIsolationUnavailable:
      return s.retry_on.empty();
  }
  return false;
}

double RetryDelay(int attempt, double min_s, double max_s, double unit) {
  double nominal = min_s * std::pow(2.0, std::clamp(attempt - 1, 0, 60));
  nominal = std::min(nominal, max_s);
  double d = nominal / 2 + unit * nominal / 2;
  return std::clamp(d, min_s, max_s);
}

}  // namespace coyotes
