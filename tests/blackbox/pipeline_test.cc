// The task pipeline end to end: producers -> router -> channels -> workers,
// with crashes, restarts and bad input (issue: the task pipeline).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <set>

#include "blackbox/bb_util.h"
#include "support/daemon.h"
#include "support/redis_server.h"
#include "support/wait.h"

namespace coyotes::testing {
namespace {

class Pipeline : public BlackBox {
 protected:
  bool WaitFile(const std::string& path, double timeout_s = 10) {
    return WaitFor([&] { return Exists(path); }, timeout_s);
  }
  std::string Record(const std::string& id, const std::string& field) {
    return Field(id, field);
  }
  long long Succeeded() {
    std::string v = conn_->Cmd({"HGET", "coyotes:stats", "succeeded"});
    return v == "(nil)" ? 0 : std::stoll(v);
  }
  // Every in-progress list is empty.
  bool NothingInFlight() {
    for (const auto& key : conn_->List({"KEYS", "coyotes:proc:*"}))
      if (conn_->LLen(key) != 0) return false;
    return true;
  }
};

TEST_F(Pipeline, SeedProducerDefaultAndNamedChannel) {
  auto d = StartDaemon({"--concurrent=2"});
  Push("touch " + (tmp_ / "a"));
  Push("touch " + (tmp_ / "b"), "biz");
  PushRaw("{\"task\":\"touch " + (tmp_ / "c") + "\"}");  // no chan, no ts
  EXPECT_TRUE(WaitFile(tmp_ / "a"));
  EXPECT_TRUE(WaitFile(tmp_ / "b"));
  EXPECT_TRUE(WaitFile(tmp_ / "c"));
  // The named channel was created and persisted.
  EXPECT_NE(conn_->Cmd({"HGET", "coyotes:channels", "biz"}), "(nil)");
  // Channels not asked for are not created.
  EXPECT_EQ(conn_->Cmd({"HEXISTS", "coyotes:channels", "cron"}), "0");
}

TEST_F(Pipeline, ArgvTasksRunWithoutAShell) {
  auto d = StartDaemon({"--concurrent=1"});
  PushRaw("{\"id\":\"argv1\",\"command\":\"/bin/echo\",\"args\":[\"x; touch " +
          (tmp_ / "pwned") + "\"]}");
  ASSERT_TRUE(
      WaitFor([&] { return Record("argv1", "state") == "succeeded"; }, 10));
  EXPECT_EQ(Record("argv1", "stdout"), "x; touch " + (tmp_ / "pwned") + "\n");
  EXPECT_FALSE(Exists(tmp_ / "pwned"));
}

TEST_F(Pipeline, TaskEnvironmentAndRecord) {
  auto d = StartDaemon({"--concurrent=1"});
  PushRaw(
      "{\"id\":\"env1\",\"task\":\"echo $COYOTES_TASK_ID $COYOTES_CHANNEL "
      "$COYOTES_ATTEMPT $EXTRA; pwd; echo oops >&2; exit 3\",\"env\":"
      "{\"EXTRA\":\"yes\"},\"cwd\":\"" +
      tmp_.path() + "\"}");
  ASSERT_TRUE(WaitFor([&] { return Record("env1", "state") == "failed"; }, 10));
  EXPECT_EQ(Record("env1", "stdout"),
            "env1 default 1 yes\n" + tmp_.path() + "\n");
  EXPECT_EQ(Record("env1", "stderr"), "oops\n");
  EXPECT_EQ(Record("env1", "exit_code"), "3");
  EXPECT_EQ(Record("env1", "reason").rfind("exit", 0), 0u);
  EXPECT_EQ(Record("env1", "attempts"), "1");
  // A task this short has its start recorded with its end, complete.
  for (const char* f : {"worker", "owner", "host"})
    EXPECT_NE(Record("env1", f), "(nil)") << f;
  EXPECT_EQ(Record("env1", "pgid"), "(nil)");
  EXPECT_LE(std::stoll(Record("env1", "started_at")),
            std::stoll(Record("env1", "finished_at")));
  EXPECT_GT(std::stoll(conn_->Cmd({"TTL", "coyotes:task:env1"})), 0);
}

TEST_F(Pipeline, FailuresAreRecordedAndTheWorkerGoesOn) {
  auto d = StartDaemon({"--concurrent=1"});
  PushRaw("{\"id\":\"sig\",\"task\":\"kill -9 $$\"}");
  PushRaw("{\"id\":\"nofile\",\"command\":\"/nonexistent/program\"}");
  PushRaw("{\"id\":\"slow\",\"task\":\"sleep 5\",\"timeout\":0.5}");
  PushRaw("{\"id\":\"ok\",\"task\":\"true\"}");
  ASSERT_TRUE(WaitFor([&] { return Record("ok", "state") == "succeeded"; }, 15))
      << d->LogTail();
  EXPECT_EQ(Record("sig", "state"), "failed");
  EXPECT_EQ(Record("sig", "signal"), "SIGKILL");
  EXPECT_EQ(Record("sig", "exit_code"), "(nil)");
  EXPECT_EQ(Record("nofile", "state"), "failed");
  EXPECT_EQ(Record("nofile", "reason").rfind("spawn", 0), 0u);
  EXPECT_EQ(Record("slow", "state"), "failed");
  EXPECT_EQ(Record("slow", "reason").rfind("timeout", 0), 0u);
  // The log: one end line per task, with the process and the attempt; a
  // start line only for a task that ran long enough to have its start
  // recorded (nothing started for a program that does not exist).
  const std::string log = d->log();
  EXPECT_NE(log.find("task start id=slow pid="), std::string::npos) << log;
  EXPECT_NE(log.find("task end id=nofile attempt=1 state=failed"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("task start id=nofile"), std::string::npos) << log;
  EXPECT_NE(log.find("task end id=ok pid="), std::string::npos) << log;
}

TEST_F(Pipeline, TenThousandTasksEachRunExactlyOnce) {
  auto d = StartDaemon({"--concurrent=5"});
  const int n = 10000;
  std::vector<std::string> items;
  for (int i = 0; i < n; i++)
    items.push_back(SeedItem("echo x >> " + (tmp_ / std::to_string(i))));
  conn_->PipelineLPush("task:prepare:queue", items);
  ASSERT_TRUE(WaitFor(
      [&] {
        return conn_->Cmd({"HGET", "coyotes:stats", "succeeded"}) ==
               std::to_string(n);
      },
      240, 0.2))
      << conn_->Cmd({"HGETALL", "coyotes:stats"}) << d->LogTail();
  for (int i = 0; i < n; i++)
    ASSERT_EQ(ReadAll(tmp_ / std::to_string(i)), "x\n") << i;
  EXPECT_TRUE(NothingInFlight());
}

TEST_F(Pipeline, AtMostConcurrentTasksRunAtOnce) {
  auto d = StartDaemon({"--concurrent=3"});
  for (int i = 0; i < 12; i++)
    Push("echo start $(date +%s%N) >> " + (tmp_ / "log") +
         "; sleep 0.2; echo end $(date +%s%N) >> " + (tmp_ / "log"));
  ASSERT_TRUE(WaitFor(
      [&] {
        return conn_->Cmd({"HGET", "coyotes:stats", "succeeded"}) == "12";
      },
      30));
  std::vector<std::pair<long long, int>> events;
  std::istringstream in(ReadAll(tmp_ / "log"));
  std::string kind;
  long long t;
  while (in >> kind >> t) events.push_back({t, kind == "start" ? 1 : -1});
  ASSERT_EQ(events.size(), 24u);
  std::sort(events.begin(), events.end());
  int running = 0, peak = 0;
  for (auto& [when, delta] : events) peak = std::max(peak, running += delta);
  EXPECT_LE(peak, 3);
  EXPECT_GE(peak, 2);  // they did run side by side
}

TEST_F(Pipeline, KilledWorkersTaskRunsAgainPromptly) {
  auto d = StartDaemon({"--concurrent=1"});
  PushRaw("{\"id\":\"again\",\"task\":\"echo $COYOTES_ATTEMPT >> " +
          (tmp_ / "attempts") + "; sleep 2\"}");
  ASSERT_TRUE(
      WaitFor([&] { return Record("again", "state") == "running"; }, 10));
  pid_t task_pgid = std::stoi(Record("again", "pgid"));
  auto workers = d->WorkerPids();
  ASSERT_EQ(workers.size(), 1u);
  double t0 = NowSeconds();
  kill(workers[0], SIGKILL);
  ASSERT_TRUE(
      WaitFor([&] { return ReadAll(tmp_ / "attempts") == "1\n2\n"; }, 5))
      << ReadAll(tmp_ / "attempts") << d->LogTail();
  EXPECT_LT(NowSeconds() - t0, 5.0);
  // The first run was ended before the second started.
  EXPECT_FALSE(Alive(task_pgid));
  EXPECT_TRUE(
      WaitFor([&] { return Record("again", "state") == "succeeded"; }, 10));
  EXPECT_EQ(Record("again", "attempts"), "2");
}

TEST_F(Pipeline, KillingEverythingLosesNothing) {
  auto d = StartDaemon({"--concurrent=1", "--lease-ttl=1"});
  PushRaw("{\"id\":\"inflight\",\"task\":\"echo $COYOTES_ATTEMPT >> " +
          (tmp_ / "attempts") + "; sleep 3\"}");
  for (int i = 0; i < 5; i++) Push("touch " + (tmp_ / std::to_string(i)));
  ASSERT_TRUE(
      WaitFor([&] { return Record("inflight", "state") == "running"; }, 10));
  pid_t orphan = std::stoi(Record("inflight", "pgid"));
  auto workers = d->WorkerPids();
  d->Signal(SIGKILL);
  for (pid_t w : workers) kill(w, SIGKILL);
  d->WaitExit(5);
  // The task itself survives the crash (its own session)...
  EXPECT_TRUE(Alive(orphan));
  auto d2 = StartDaemon({"--concurrent=1", "--lease-ttl=1"});
  // ...until the next daemon ends it and runs it again.
  EXPECT_TRUE(WaitFor([&] { return !Alive(orphan); }, 10)) << d2->LogTail();
  EXPECT_TRUE(
      WaitFor([&] { return Record("inflight", "state") == "succeeded"; }, 20))
      << d2->LogTail();
  EXPECT_EQ(ReadAll(tmp_ / "attempts"), "1\n2\n");
  for (int i = 0; i < 5; i++) EXPECT_TRUE(WaitFile(tmp_ / std::to_string(i)));
  // A file exists as soon as its task ran, a moment before the worker
  // records the end and empties its in-progress list.
  EXPECT_TRUE(WaitFor([&] { return NothingInFlight(); }, 10));
}

TEST_F(Pipeline, TwoDaemonsShareOneRedis) {
  auto a = StartDaemon({"--concurrent=2", "--lease-ttl=1"});
  auto b = StartDaemon({"--concurrent=2", "--lease-ttl=1"});
  const int n = 400;
  std::vector<std::string> items;
  for (int i = 0; i < n; i++)
    items.push_back(SeedItem("echo $PPID >> " + (tmp_ / std::to_string(i)) +
                             "; sleep 0.01"));
  conn_->PipelineLPush("task:prepare:queue", items);
  // Kill one daemon outright while tasks are in flight.
  ASSERT_TRUE(WaitFor([&] { return Succeeded() >= 50; }, 30));
  auto b_workers = b->WorkerPids();
  b->Signal(SIGKILL);
  for (pid_t w : b_workers) kill(w, SIGKILL);
  ASSERT_TRUE(WaitFor(
      [&] {
        for (int i = 0; i < n; i++)
          if (!Exists(tmp_ / std::to_string(i))) return false;
        return true;
      },
      60))
      << a->LogTail();
  EXPECT_TRUE(WaitFor([&] { return NothingInFlight(); }, 10));
  int twice = 0;
  for (int i = 0; i < n; i++) {
    std::string c = ReadAll(tmp_ / std::to_string(i));
    if (std::count(c.begin(), c.end(), '\n') > 1) twice++;
  }
  // Only a task that was running in the killed daemon may run twice.
  EXPECT_LE(twice, 2);
}

TEST_F(Pipeline, MalformedItemsAreDeadLettered) {
  auto d = StartDaemon(
      {"--concurrent=1", "--max-task-bytes=200", "--max-channels=1"});
  Push("touch " + (tmp_ / "before"));
  std::vector<std::pair<std::string, std::string>> bad = {
      {"not json at all", "not JSON"},
      {"[1,2]", "not a JSON object"},
      {"42", "not a JSON object"},
      {"{\"chan\":\"default\"}", "missing"},
      {"{\"task\":\"\"}", "missing"},
      {"{\"task\":7}", "'task' must be a string"},
      {"{\"task\":\"true\",\"chan\":5}", "'chan' must be a string"},
      {"{\"task\":\"true\",\"ts\":\"yesterday\"}", "'ts' must be a number"},
      {"{\"task\":\"true\",\"chan\":\"bad name!\"}", "invalid channel name"},
      {"{\"command\":\"ls\",\"args\":\"-l\"}", "'args' must be an array"},
      {"{\"task\":\"" + std::string(300, 'x') + "\"}", "--max-task-bytes"},
      {"{\"task\":\"true\",\"chan\":\"third\"}", "--max-channels"},
  };
  for (auto& [item, reason] : bad) PushRaw(item);
  Push("touch " + (tmp_ / "after"));
  EXPECT_TRUE(WaitFile(tmp_ / "before"));
  EXPECT_TRUE(WaitFile(tmp_ / "after"));
  ASSERT_TRUE(WaitFor(
      [&] {
        return conn_->LLen("coyotes:dead-letters") ==
               static_cast<long long>(bad.size());
      },
      10))
      << conn_->LLen("coyotes:dead-letters");
  auto letters = conn_->List({"LRANGE", "coyotes:dead-letters", "0", "-1"});
  std::reverse(letters.begin(), letters.end());  // oldest first
  for (size_t i = 0; i < bad.size(); i++)
    EXPECT_NE(letters[i].find(bad[i].second), std::string::npos)
        << letters[i] << " should say " << bad[i].second;
  EXPECT_TRUE(d->running());
}

TEST_F(Pipeline, HugeOutputKeepsTheTailAndBoundedMemory) {
  auto d = StartDaemon({"--concurrent=1", "--output-tail=1000"});
  PushRaw(
      "{\"id\":\"big\",\"task\":\"head -c 104857600 /dev/zero | tr '\\\\0' "
      "a; printf END\"}");
  ASSERT_TRUE(
      WaitFor([&] { return Record("big", "state") == "succeeded"; }, 60))
      << d->LogTail();
  std::string out = Record("big", "stdout");
  EXPECT_EQ(out.size(), 1000u);
  EXPECT_EQ(out, std::string(997, 'a') + "END");
  for (pid_t w : d->WorkerPids()) {
    std::string status = ReadAll("/proc/" + std::to_string(w) + "/status");
    size_t at = status.find("VmHWM:");
    ASSERT_NE(at, std::string::npos);
    long kb = std::stol(status.substr(at + 6));
    EXPECT_LT(kb, 60 * 1024) << "worker peak RSS " << kb << " kB";
  }
}

TEST_F(Pipeline, TimeoutLeavesNoProcessBehind) {
  auto d = StartDaemon({"--concurrent=1", "--kill-grace=1"});
  PushRaw(
      "{\"id\":\"tree\",\"task\":\"sleep 100.25 & sleep 100.25\","
      "\"timeout\":1}");
  ASSERT_TRUE(WaitFor([&] { return Record("tree", "state") == "failed"; }, 10))
      << d->LogTail();
  EXPECT_EQ(Record("tree", "reason").rfind("timeout", 0), 0u);
  EXPECT_TRUE(
      WaitFor([] { return PidsWithCmdline("sleep 100.25").empty(); }, 5));
}

TEST_F(Pipeline, RedisRestartDuringARunLosesNothing) {
  auto d = StartDaemon({"--concurrent=5"});
  const int n = 2000;
  std::vector<std::string> items;
  for (int i = 0; i < n; i++)
    items.push_back(SeedItem("touch " + (tmp_ / std::to_string(i))));
  conn_->PipelineLPush("task:prepare:queue", items);
  ASSERT_TRUE(WaitFor([&] { return Exists(tmp_ / "100"); }, 30));
  conn_.reset();
  redis_->Restart();
  conn_ = redis_->Connect();
  ASSERT_TRUE(WaitFor(
      [&] {
        for (int i = 0; i < n; i++)
          if (!Exists(tmp_ / std::to_string(i))) return false;
        return true;
      },
      120))
      << d->LogTail();
  EXPECT_TRUE(WaitFor([&] { return NothingInFlight(); }, 20))
      << conn_->Cmd({"KEYS", "coyotes:proc:*"});
  EXPECT_TRUE(d->running());
}

}  // namespace
}  // namespace coyotes::testing
