// Unit tests for the dashboard's chart history (src/http/stats_history.h):
// the ring keeps the newest samples in order, drops the oldest past its
// capacity, and its JSON is what GET /stats/history documents.
#include "http/stats_history.h"

#include <gtest/gtest.h>

#include "base/json_util.h"

namespace coyotes {
namespace {

TEST(StatsHistoryTest, KeepsSamplesOldestFirst) {
  StatsHistory h(4);
  EXPECT_EQ(h.size(), 0u);
  EXPECT_TRUE(h.Samples().empty());
  h.Add({1000, 1, 0});
  h.Add({3000, 5, 1});
  auto s = h.Samples();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].at_ms, 1000);
  EXPECT_EQ(s[1].at_ms, 3000);
  EXPECT_EQ(s[1].succeeded, 5);
  EXPECT_EQ(s[1].failed, 1);
}

TEST(StatsHistoryTest, DropsTheOldestPastItsCapacity) {
  StatsHistory h(3);
  for (int i = 0; i < 10; i++) h.Add({i * 2000, i, 0});
  EXPECT_EQ(h.size(), 3u);
  auto s = h.Samples();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].succeeded, 7);
  EXPECT_EQ(s[1].succeeded, 8);
  EXPECT_EQ(s[2].succeeded, 9);
}

TEST(StatsHistoryTest, TheDefaultHoldsFifteenMinutesOfTwoSeconds) {
  EXPECT_EQ(StatsHistory::kCapacity * StatsHistory::kIntervalS, 15 * 60);
  StatsHistory h;
  for (int i = 0; i < 1000; i++) h.Add({i, i, i});
  EXPECT_EQ(h.size(), 450u);
  EXPECT_EQ(h.Samples().front().at_ms, 550);
  EXPECT_EQ(h.Samples().back().at_ms, 999);
}

TEST(StatsHistoryTest, Json) {
  StatsHistory h(2);
  JsonPtr empty(h.ToJson());
  EXPECT_EQ(JsonDump(empty.get()), R"({"interval_s":2,"samples":[]})");
  h.Add({1700000000000, 10, 2});
  h.Add({1700000002000, 14, 3});
  h.Add({1700000004000, 20, 3});
  JsonPtr j(h.ToJson());
  EXPECT_EQ(JsonDump(j.get()),
            R"({"interval_s":2,"samples":[)"
            R"({"at":1700000002000,"succeeded":14,"failed":3},)"
            R"({"at":1700000004000,"succeeded":20,"failed":3}]})");
}

TEST(StatsHistoryTest, ZeroCapacityHoldsNothing) {
  StatsHistory h(0);
  h.Add({1, 1, 1});
  EXPECT_EQ(h.size(), 0u);
  JsonPtr j(h.ToJson());
  EXPECT_EQ(JsonDump(j.get()), R"({"interval_s":2,"samples":[]})");
}

}  // namespace
}  // namespace coyotes
