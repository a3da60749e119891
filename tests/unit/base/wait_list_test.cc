// WaitList on a real event loop: each item runs once, woken or at its
// deadline, in deadline order; items added by a woken item wait for the
// next wake.
#include "base/wait_list.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "base/event_loop.h"

namespace coyotes {
namespace {

// Runs the loop until `done` or 5 s.
void RunUntil(EventBase* base, const std::function<bool()>& done) {
  Event tick(base, -1, 0, [](short) {});
  auto deadline = DeadlineIn(5);
  while (!done() && WaitList::Clock::now() < deadline) {
    tick.ArmTimer(0.01);
    event_base_loop(base->get(), EVLOOP_ONCE);
  }
}

TEST(WaitList, WakeRunsEachItemOnceInDeadlineOrder) {
  EventBase base;
  WaitList list(&base);
  std::vector<std::string> ran;
  list.Add(DeadlineIn(30), [&](bool t) { ran.push_back(t ? "b!" : "b"); });
  list.Add(DeadlineIn(20), [&](bool t) { ran.push_back(t ? "a!" : "a"); });
  EXPECT_EQ(list.size(), 2u);
  list.WakeAll();
  EXPECT_EQ(ran, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(list.empty());
  list.WakeAll();
  EXPECT_EQ(ran.size(), 2u);
}

TEST(WaitList, DeadlinesExpireOneByOne) {
  EventBase base;
  WaitList list(&base);
  std::vector<std::string> ran;
  list.Add(DeadlineIn(0.05), [&](bool t) { ran.push_back(t ? "late" : "x"); });
  list.Add(DeadlineIn(0.01), [&](bool t) { ran.push_back(t ? "soon" : "x"); });
  list.Add(DeadlineIn(60), [&](bool t) { ran.push_back(t ? "x" : "woken"); });
  RunUntil(&base, [&] { return ran.size() == 2; });
  EXPECT_EQ(ran, (std::vector<std::string>{"soon", "late"}));
  EXPECT_EQ(list.size(), 1u);
  list.WakeAll();
  EXPECT_EQ(ran.back(), "woken");
}

TEST(WaitList, ItemsAddedWhileWokenWaitForTheNextWake) {
  EventBase base;
  WaitList list(&base);
  int runs = 0;
  std::function<void(bool)> again = [&](bool timed_out) {
    runs++;
    if (!timed_out) list.Add(DeadlineIn(0.02), again);
  };
  list.Add(DeadlineIn(60), again);
  list.WakeAll();
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(list.size(), 1u);
  // The one re-added times out on its own: its timer was armed.
  RunUntil(&base, [&] { return runs == 2; });
  EXPECT_EQ(runs, 2);
  EXPECT_TRUE(list.empty());
}

}  // namespace
}  // namespace coyotes
