// Unit tests for src/daemon/respawn_policy.h: a long life restarts at once and
// resets the quick-death counter; quick deaths back off exponentially from
// min_delay_s up to max_delay_s.
#include "daemon/respawn_policy.h"

#include <gtest/gtest.h>

#include <cmath>

namespace coyotes {
namespace {

TEST(RespawnPolicyTest, LongLifeRestartsAtOnce) {
  RespawnPolicy p;
  int quick = 0;
  EXPECT_EQ(p.NextDelay(3600, &quick), 0);
  EXPECT_EQ(quick, 0);
}

TEST(RespawnPolicyTest, LongLifeResetsCounter) {
  RespawnPolicy p;
  int quick = 7;
  EXPECT_EQ(p.NextDelay(p.quick_death_s + 1, &quick), 0);
  EXPECT_EQ(quick, 0);
  // The next quick death starts from the minimum again.
  EXPECT_DOUBLE_EQ(p.NextDelay(0.01, &quick), p.min_delay_s);
  EXPECT_EQ(quick, 1);
}

TEST(RespawnPolicyTest, LifeOfExactlyQuickDeathIsLong) {
  RespawnPolicy p;
  int quick = 4;
  EXPECT_EQ(p.NextDelay(p.quick_death_s, &quick), 0);
  EXPECT_EQ(quick, 0);
}

TEST(RespawnPolicyTest, QuickDeathsDoubleUpToTheCap) {
  RespawnPolicy p;  // 0.1 s doubling to 30 s
  int quick = 0;
  const double want[] = {0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30};
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    EXPECT_NEAR(p.NextDelay(0.5, &quick), want[i], 1e-9) << "death " << i;
    EXPECT_EQ(quick, static_cast<int>(i) + 1);
  }
  // Stays at the cap, however many more.
  for (int i = 0; i < 1000; i++) {
    double d = p.NextDelay(0, &quick);
    ASSERT_TRUE(std::isfinite(d));
    ASSERT_DOUBLE_EQ(d, 30) << "death " << quick;
  }
  EXPECT_GT(quick, 1000);
  // One good life and it is back to the minimum.
  EXPECT_EQ(p.NextDelay(60, &quick), 0);
  EXPECT_EQ(quick, 0);
  EXPECT_DOUBLE_EQ(p.NextDelay(1, &quick), 0.1);
}

TEST(RespawnPolicyTest, CustomParameters) {
  RespawnPolicy p{.quick_death_s = 1, .min_delay_s = 2, .max_delay_s = 5};
  int quick = 0;
  EXPECT_DOUBLE_EQ(p.NextDelay(0.9, &quick), 2);
  EXPECT_DOUBLE_EQ(p.NextDelay(0.9, &quick), 4);
  EXPECT_DOUBLE_EQ(p.NextDelay(0.9, &quick), 5);
  EXPECT_DOUBLE_EQ(p.NextDelay(0.9, &quick), 5);
  EXPECT_EQ(p.NextDelay(1.0, &quick), 0);
  EXPECT_EQ(quick, 0);
}

TEST(RespawnPolicyTest, HugeCounterDoesNotOverflow) {
  RespawnPolicy p;
  int quick = 1 << 30;
  double d = p.NextDelay(0, &quick);
  EXPECT_TRUE(std::isfinite(d));
  EXPECT_DOUBLE_EQ(d, p.max_delay_s);
}

}  // namespace
}  // namespace coyotes
