// A Redis restart (AOF) in the middle of a run that has everything the
// pipeline grew since the first restart test: delayed tasks, tasks that
// fail once and succeed on a retry, tasks that fail for good. None is
// lost, only tasks in flight at a restart run twice, and no in-progress
// list is left behind.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "blackbox/bb_util.h"

namespace coyotes::testing {
namespace {

constexpr int kTasks = 2000;
constexpr int kConcurrent = 5;
constexpr int kRestarts = 2;

enum class Kind { kPlain, kDelayed, kRetried, kFailed };

Kind KindOf(int i) {
  if (i % 50 == 1) return Kind::kFailed;
  if (i % 10 == 0) return Kind::kDelayed;
  if (i % 7 == 0) return Kind::kRetried;
  return Kind::kPlain;
}

class RedisRestart : public BlackBox {
 protected:
  // Every run of task i appends "i" to the log, whatever its end.
  std::string Item(int i) {
    const std::string id = "t" + std::to_string(i);
    const std::string log =
        "echo " + std::to_string(i) + " >> " + (tmp_ / "log");
    std::string task = log;
    std::string extra;
    switch (KindOf(i)) {
      case Kind::kPlain:
        break;
      case Kind::kDelayed:
        extra = ",\"delay\":" + std::to_string(1 + i % 3);
        break;
      case Kind::kRetried:
        // The first attempt leaves a mark and fails; the next succeeds.
        task = log + "; mkdir " + (tmp_ / ("m" + std::to_string(i))) +
               " 2>/dev/null && exit 3; exit 0";
        extra = ",\"retry\":3";
        break;
      case Kind::kFailed:
        task = log + "; exit 1";
        break;
    }
    return "{\"id\":\"" + id + "\",\"task\":\"" + task +
           "\",\"chan\":\"default\"" + extra + "}";
  }
  // Runs of each task so far, from the log.
  std::map<int, int> Runs() {
    std::map<int, int> runs;
    std::istringstream in(ReadAll(tmp_ / "log"));
    int i;
    while (in >> i) runs[i]++;
    return runs;
  }
  bool AllEnded() { return NotEnded().empty(); }
  // "tN=state" of the tasks not (yet) in their expected end state.
  std::string NotEnded() {
    std::string out;
    for (int i = 0; i < kTasks; i++) {
      std::string state = Field("t" + std::to_string(i), "state");
      if (state != (KindOf(i) == Kind::kFailed ? "failed" : "succeeded"))
        out += " t" + std::to_string(i) + "=" + state;
    }
    return out;
  }
  void RestartRedis() {
    conn_.reset();
    redis_->Restart();
    conn_ = redis_->Connect();
  }
};

TEST_F(RedisRestart, DelaysRetriesAndFailuresLoseNothing) {
  auto d = StartDaemon({"--concurrent=" + std::to_string(kConcurrent),
                        "--retry-min-delay=0.5", "--retry-max-delay=1"});
  std::vector<std::string> items;
  for (int i = 0; i < kTasks; i++) items.push_back(Item(i));
  conn_->PipelineLPush("task:prepare:queue", items);

  // Once while the queue is full, once while delayed tasks and retries
  // are still waiting.
  ASSERT_TRUE(WaitFor([&] { return Runs().size() >= 300; }, 60))
      << d->LogTail();
  RestartRedis();
  ASSERT_TRUE(WaitFor([&] { return Runs().size() >= 1200; }, 60))
      << d->LogTail();
  ASSERT_GT(conn_->Int({"ZCARD", "coyotes:delayed"}), 0)
      << "no delayed task was pending at the second restart";
  RestartRedis();

  ASSERT_TRUE(WaitFor([&] { return AllEnded(); }, 120))
      << "not ended:" << NotEnded()
      << "\ndelayed set: " << conn_->Cmd({"ZCARD", "coyotes:delayed"})
      << ", queue: " << conn_->Cmd({"LLEN", "coyotes:queue:default"}) << "\n"
      << d->LogTail();
  std::map<int, int> runs = Runs();
  int twice = 0;
  for (int i = 0; i < kTasks; i++) {
    // A retried task runs twice by design; a restart may add one run.
    const int expected = KindOf(i) == Kind::kRetried ? 2 : 1;
    ASSERT_GE(runs[i], expected) << "task " << i << " lost";
    twice += runs[i] - expected;
  }
  for (int i = 0; i < kTasks; i++) {
    const std::string id = "t" + std::to_string(i);
    if (KindOf(i) == Kind::kFailed) {
      EXPECT_NE(conn_->Cmd({"ZSCORE", "coyotes:failed:default", id}), "(nil)")
          << id << " is not in the failed set";
    } else if (KindOf(i) == Kind::kRetried &&
               std::stoi(Field(id, "attempts")) < 2) {
      // Its failed first attempt ended as Redis went away, unrecorded:
      // that attempt ran again (and found its mark), which is a re-run of
      // a task in flight, not a retry.
      twice++;
    }
  }
  // Only a task in flight at a restart runs again: at most one per worker
  // per restart.
  EXPECT_LE(twice, kConcurrent * kRestarts);
  std::cout << "[ figures  ] Redis restarted " << kRestarts << " times during "
            << kTasks << " tasks: none lost, " << twice
            << " extra run(s) of tasks in flight\n";
  EXPECT_TRUE(WaitFor(
      [&] {
        return conn_->List({"KEYS", "coyotes:proc:*"}).empty() || [&] {
          for (const auto& key : conn_->List({"KEYS", "coyotes:proc:*"}))
            if (conn_->LLen(key) != 0) return false;
          return true;
        }();
      },
      20))
      << conn_->Cmd({"KEYS", "coyotes:proc:*"});
  EXPECT_EQ(conn_->Int({"ZCARD", "coyotes:delayed"}), 0);
  EXPECT_TRUE(d->running());
}

}  // namespace
}  // namespace coyotes::testing
