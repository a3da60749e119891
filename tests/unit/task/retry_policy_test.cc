// The retry rule and its back-off (src/task/retry_policy.h).
#include "task/retry_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace coyotes {
namespace {

TaskOutcome Exit(int code) {
  TaskOutcome o;
  o.kind = TaskOutcome::Kind::kExited;
  o.exit_code = code;
  return o;
}

TaskOutcome Of(TaskOutcome::Kind k) {
  TaskOutcome o;
  o.kind = k;
  return o;
}

TEST(RetryPolicy, SuccessIsNeverRetried) {
  EXPECT_FALSE(ShouldRetry(Exit(0), 1, {5, {}}));
}

TEST(RetryPolicy, AttemptsRunOut) {
  RetrySettings s{2, {}};
  EXPECT_TRUE(ShouldRetry(Exit(1), 1, s));
  EXPECT_TRUE(ShouldRetry(Exit(1), 2, s));
  EXPECT_FALSE(ShouldRetry(Exit(1), 3, s));
  EXPECT_FALSE(ShouldRetry(Exit(1), 1, {0, {}}));
}

TEST(RetryPolicy, EveryFailureKindWithoutRetryOn) {
  RetrySettings s{1, {}};
  for (auto k : {TaskOutcome::Kind::kSignaled, TaskOutcome::Kind::kTimeout,
                 TaskOutcome::Kind::kSpawnFailed, TaskOutcome::Kind::kCpuLimit,
                 TaskOutcome::Kind::kFileSizeLimit,
                 TaskOutcome::Kind::kIsolationUnavailable})
    EXPECT_TRUE(ShouldRetry(Of(k), 1, s));
  EXPECT_FALSE(ShouldRetry(Of(TaskOutcome::Kind::kCancelled), 1, s));
  EXPECT_FALSE(ShouldRetry(Of(TaskOutcome::Kind::kStopped), 1, s));
}

TEST(RetryPolicy, RetryOnNarrowsAndTempFailAlwaysCounts) {
  RetrySettings s{3, {3, 9}};
  EXPECT_TRUE(ShouldRetry(Exit(3), 1, s));
  EXPECT_TRUE(ShouldRetry(Exit(9), 1, s));
  EXPECT_FALSE(ShouldRetry(Exit(4), 1, s));
  EXPECT_TRUE(ShouldRetry(Exit(kExitTempFail), 1, s));
  EXPECT_FALSE(ShouldRetry(Exit(kExitTempFail), 4, s));
  EXPECT_FALSE(ShouldRetry(Of(TaskOutcome::Kind::kTimeout), 1, s));
}

TEST(RetryPolicy, DelayGrowsWithinBounds) {
  for (double u : {0.0, 0.5, 0.999}) {
    for (int attempt = 1; attempt < 40; attempt++) {
      double d = RetryDelay(attempt, 1, 300, u);
      EXPECT_GE(d, 1);
      EXPECT_LE(d, 300);
      double nominal = std::min(300.0, std::pow(2.0, attempt - 1));
      EXPECT_GE(d, std::max(1.0, nominal / 2)) << attempt;
      EXPECT_LE(d, nominal + 1e-9) << attempt;
    }
  }
  EXPECT_DOUBLE_EQ(RetryDelay(1, 1, 300, 0.0), 1);  // never below min
  EXPECT_DOUBLE_EQ(RetryDelay(30, 1, 300, 0.999999),
                   300 * (0.5 + 0.5 * 0.999999));
}

}  // namespace
}  // namespace coyotes
