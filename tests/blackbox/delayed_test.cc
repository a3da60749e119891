// Delayed tasks, automatic retries and the failed set (issue: delays and
// retries), against the real binary and a private redis-server.
#include <gtest/gtest.h>
#include <signal.h>

#include <ctime>

#include "blackbox/bb_util.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/redis_server.h"
#include "support/wait.h"

namespace coyotes::testing {
namespace {

class Delayed : public BlackBox {
 protected:
  long long Num(const std::string& id, const std::string& f) {
    std::string v = Field(id, f);
    return v == "(nil)" ? -1 : std::stoll(v);
  }
  HttpResponse Post(int port, const std::string& path,
                    const std::string& body) {
    return HttpRequest(port, "POST", path, body,
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
  }
};

TEST_F(Delayed, RunsAfterItsDelayAndPromptly) {
  auto d = StartDaemon({"--concurrent=1"});
  PushRaw("{\"id\":\"d1\",\"task\":\"true\",\"delay\":1.5}");
  ASSERT_TRUE(WaitState("d1", "delayed", 5));
  EXPECT_GT(Num("d1", "due_at"), 0);
  ASSERT_TRUE(WaitState("d1", "succeeded", 10)) << d->LogTail();
  long long late = Num("d1", "started_at") - Num("d1", "created_at");
  EXPECT_GE(late, 1500);
  EXPECT_LT(late, 1600);
}

TEST_F(Delayed, RunAtInThePastRunsNow) {
  auto d = StartDaemon({"--concurrent=1"});
  PushRaw("{\"id\":\"past\",\"task\":\"true\",\"run_at\":1000000000}");
  ASSERT_TRUE(WaitState("past", "succeeded", 10));
  EXPECT_LT(Num("past", "started_at") - Num("past", "created_at"), 500);
}

TEST_F(Delayed, TenThousandDueTogetherRunOnceEach) {
  auto d = StartDaemon({"--concurrent=5"});
  const int n = 10000;
  std::vector<std::string> items;
  double at = static_cast<double>(time(nullptr)) + 3;
  for (int i = 0; i < n; i++)
    items.push_back("{\"task\":\"echo x >> " + (tmp_ / std::to_string(i)) +
                    "\",\"run_at\":" + std::to_string(at) + "}");
  conn_->PipelineLPush("task:prepare:queue", items);
  ASSERT_TRUE(WaitFor(
      [&] {
        return conn_->Cmd({"HGET", "coyotes:stats", "succeeded"}) ==
               std::to_string(n);
      },
      300, 0.2))
      << conn_->Cmd({"HGETALL", "coyotes:stats"});
  for (int i = 0; i < n; i++)
    ASSERT_EQ(ReadAll(tmp_ / std::to_string(i)), "x\n") << i;
  EXPECT_EQ(conn_->Int({"ZCARD", "coyotes:delayed"}), 0);
}

TEST_F(Delayed, KilledWhileDueThenRestartedRunsEachOnce) {
  auto d = StartDaemon({"--concurrent=2", "--lease-ttl=1"});
  const int n = 200;
  std::vector<std::string> items;
  for (int i = 0; i < n; i++)
    items.push_back("{\"task\":\"echo x >> " + (tmp_ / std::to_string(i)) +
                    "\",\"delay\":1}");
  conn_->PipelineLPush("task:prepare:queue", items);
  ASSERT_TRUE(WaitFor(
      [&] {
        return conn_->Int({"ZCARD", "coyotes:delayed"}) == n;
      },
      10));
  auto workers = d->WorkerPids();
  d->Signal(SIGKILL);
  for (pid_t w : workers) kill(w, SIGKILL);
  d->WaitExit(5);
  // They fall due while nobody runs (by the Redis server's clock).
  auto last =
      conn_->List({"ZRANGE", "coyotes:delayed", "-1", "-1", "WITHSCORES"});
  ASSERT_EQ(last.size(), 2u);
  long long due = std::stoll(last[1]);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto t = conn_->List({"TIME"});
        return std::stoll(t[0]) * 1000 + std::stoll(t[1]) / 1000 > due;
      },
      10));
  auto d2 = StartDaemon({"--concurrent=2", "--lease-ttl=1"});
  ASSERT_TRUE(WaitFor(
      [&] {
        for (int i = 0; i < n; i++)
          if (!Exists(tmp_ / std::to_string(i))) return false;
        return true;
      },
      30))
      << d2->LogTail();
  ASSERT_TRUE(WaitFor(
      [&] {
        return conn_->Cmd({"HGET", "coyotes:stats", "succeeded"}) ==
               std::to_string(n);
      },
      10));
  for (int i = 0; i < n; i++)
    EXPECT_EQ(ReadAll(tmp_ / std::to_string(i)), "x\n") << i;
}

TEST_F(Delayed, TwoDaemonsPromoteEachTaskOnce) {
  auto a = StartDaemon({"--concurrent=2"});
  auto b = StartDaemon({"--concurrent=2"});
  const int n = 500;
  std::vector<std::string> items;
  for (int i = 0; i < n; i++)
    items.push_back("{\"task\":\"echo x >> " + (tmp_ / std::to_string(i)) +
                    "\",\"delay\":1}");
  conn_->PipelineLPush("task:prepare:queue", items);
  ASSERT_TRUE(WaitFor(
      [&] {
        return conn_->Cmd({"HGET", "coyotes:stats", "succeeded"}) ==
               std::to_string(n);
      },
      60));
  for (int i = 0; i < n; i++)
    EXPECT_EQ(ReadAll(tmp_ / std::to_string(i)), "x\n") << i;
}

TEST_F(Delayed, RetryUntilSuccessWithBackOff) {
  auto d = StartDaemon(
      {"--concurrent=1", "--retry-min-delay=0.2", "--retry-max-delay=1"});
  std::string count = tmp_ / "count";
  // Fails twice, then succeeds; counts its attempts in a file.
  PushRaw("{\"id\":\"r3\",\"retry\":3,\"task\":\"echo $COYOTES_ATTEMPT >> " +
          count + "; [ $(wc -l < " + count + ") -ge 3 ]\"}");
  ASSERT_TRUE(WaitState("r3", "succeeded", 20)) << d->LogTail();
  EXPECT_EQ(ReadAll(count), "1\n2\n3\n");
  EXPECT_EQ(Field("r3", "attempts"), "3");
  HttpResponse r = HttpRequest(d->http_port(), "GET", "/tasks/r3");
  EXPECT_NE(r.body.find("\"history\":[{\"attempt\":1,"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("{\"attempt\":3,"), std::string::npos) << r.body;
  // Back-off: from the end of one attempt to the start of the next, at
  // least the minimum delay, and no more than the nominal one (+ slack).
  std::string h = r.body.substr(r.body.find("\"history\":"));
  auto nth = [&](const std::string& key, int which) {
    size_t at = 0;
    for (int i = 0; i <= which; i++) at = h.find("\"" + key + "\":", at + 1);
    return std::stoll(h.substr(at + key.size() + 3));
  };
  long long gap1 = nth("started_at", 1) - nth("finished_at", 0);
  long long gap2 = nth("started_at", 2) - nth("finished_at", 1);
  EXPECT_GE(gap1, 200);
  EXPECT_LT(gap1, 200 + 300);
  EXPECT_GE(gap2, 200);
  EXPECT_LT(gap2, 400 + 300);
}

TEST_F(Delayed, RetriesExhaustedGoToTheFailedSet) {
  auto d = StartDaemon(
      {"--concurrent=1", "--retry-min-delay=0.1", "--retry-max-delay=0.2"});
  PushRaw("{\"id\":\"r1\",\"retry\":1,\"task\":\"echo no >&2; exit 2\"}");
  ASSERT_TRUE(WaitState("r1", "failed", 15)) << d->LogTail();
  EXPECT_EQ(Field("r1", "attempts"), "2");
  HttpResponse r =
      HttpRequest(d->http_port(), "GET", "/channels/default/failed-tasks");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"count\":1"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"task_id\":\"r1\""), std::string::npos);
  EXPECT_NE(r.body.find("{\"attempt\":1,"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("{\"attempt\":2,"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"stderr\":\"no\\n\""), std::string::npos);
}

// A command that is not found never spawns a process: its attempts are
// still recorded as such (their start with their end).
TEST_F(Delayed, RetriesOfACommandNotFoundAreCounted) {
  auto d = StartDaemon(
      {"--concurrent=1", "--retry-min-delay=0.1", "--retry-max-delay=0.2"});
  PushRaw("{\"id\":\"nf\",\"retry\":1,\"task\":\"no-such-command-here\"}");
  ASSERT_TRUE(WaitState("nf", "failed", 15)) << d->LogTail();
  EXPECT_EQ(Field("nf", "exit_code"), "127");
  EXPECT_EQ(Field("nf", "attempts"), "2");
  EXPECT_NE(Field("nf", "worker"), "(nil)");
  EXPECT_GT(std::stoll(Field("nf", "started_at")), 0);
  const std::string h = Field("nf", "history");
  EXPECT_NE(h.find("{\"attempt\":1,\"started_at\":1"), std::string::npos) << h;
  EXPECT_NE(h.find("{\"attempt\":2,\"started_at\":1"), std::string::npos) << h;
}

TEST_F(Delayed, RetryOnAndTempFail) {
  auto d = StartDaemon(
      {"--concurrent=1", "--retry-min-delay=0.1", "--retry-max-delay=0.2"});
  PushRaw("{\"id\":\"no\",\"retry\":3,\"retry_on\":[3],\"task\":\"exit 4\"}");
  PushRaw("{\"id\":\"yes\",\"retry\":2,\"retry_on\":[3],\"task\":\"exit 3\"}");
  PushRaw(
      "{\"id\":\"temp\",\"retry\":1,\"retry_on\":[3],\"task\":\"exit 75\"}");
  PushRaw("{\"id\":\"none\",\"task\":\"exit 75\"}");
  ASSERT_TRUE(WaitState("no", "failed"));
  EXPECT_EQ(Field("no", "attempts"), "1");
  ASSERT_TRUE(WaitState("yes", "failed"));
  EXPECT_EQ(Field("yes", "attempts"), "3");
  ASSERT_TRUE(WaitState("temp", "failed"));
  EXPECT_EQ(Field("temp", "attempts"), "2");
  ASSERT_TRUE(WaitState("none", "failed"));
  EXPECT_EQ(Field("none", "attempts"), "1");  // --retry-default is 0
}

TEST_F(Delayed, ChannelRetryDefault) {
  auto d = StartDaemon(
      {"--concurrent=1", "--retry-min-delay=0.1", "--retry-max-delay=0.2"});
  EXPECT_EQ(Post(d->http_port(), "/channels", "name=flaky&retry=2").status,
            200);
  PushRaw("{\"id\":\"f\",\"chan\":\"flaky\",\"task\":\"exit 1\"}");
  ASSERT_TRUE(WaitState("f", "failed", 15)) << d->LogTail();
  EXPECT_EQ(Field("f", "attempts"), "3");
}

TEST_F(Delayed, FailedSetEndpointsAndBounds) {
  auto d = StartDaemon({"--concurrent=1", "--failed-max=2"});
  int port = d->http_port();
  std::string flag = tmp_ / "ok";
  for (const char* id : {"a", "b", "c"})
    PushRaw(std::string("{\"id\":\"") + id + "\",\"task\":\"[ -e " + flag +
            " ]\"}");
  ASSERT_TRUE(WaitState("c", "failed"));
  // Bounded: the oldest was dropped and counted.
  HttpResponse r = HttpRequest(port, "GET", "/channels/default/failed-tasks");
  EXPECT_NE(r.body.find("\"count\":2"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("\"task_id\":\"a\""), std::string::npos);
  EXPECT_EQ(conn_->Cmd({"HGET", "coyotes:stats", "failed_dropped"}), "1");
  EXPECT_EQ(HttpRequest(port, "GET", "/channels/default/failed-tasks/b").status,
            200);
  EXPECT_EQ(HttpRequest(port, "GET", "/channels/default/failed-tasks/a").status,
            404);
  // Run one again, now that it can succeed.
  { std::ofstream(flag) << ""; }
  EXPECT_EQ(Post(port, "/channels/default/failed-tasks/b", "").status, 200);
  ASSERT_TRUE(WaitState("b", "succeeded"));
  EXPECT_EQ(Field("b", "attempts"), "1");  // attempts reset
  EXPECT_EQ(
      HttpRequest(port, "DELETE", "/channels/default/failed-tasks/c").status,
      200);
  EXPECT_EQ(Field("c", "state"), "(nil)");
  // retry-all.
  std::remove(flag.c_str());
  PushRaw("{\"id\":\"x\",\"task\":\"[ -e " + flag + " ]\"}");
  PushRaw("{\"id\":\"y\",\"task\":\"[ -e " + flag + " ]\"}");
  ASSERT_TRUE(WaitState("y", "failed"));
  { std::ofstream(flag) << ""; }
  r = Post(port, "/channels/default/failed-tasks/retry-all", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"queued\":2"), std::string::npos) << r.body;
  EXPECT_TRUE(WaitState("x", "succeeded"));
  EXPECT_TRUE(WaitState("y", "succeeded"));
}

// In a distinct channel a task run again holds its command, as a routed
// one does: another failed task with the same command stays failed
// meanwhile (409), and may run again once the first has ended.
TEST_F(Delayed, RerunInADistinctChannelHoldsItsCommand) {
  auto d = StartDaemon({"--concurrent=1"});
  int port = d->http_port();
  ASSERT_EQ(Post(port, "/channels", "name=uniq&distinct=true&workers=1").status,
            200);
  const std::string flag = tmp_ / "go";
  // Fails at once while the flag is missing; later runs until its timeout.
  auto push = [&](const std::string& id) {
    PushRaw("{\"id\":\"" + id +
            "\",\"chan\":\"uniq\",\"timeout\":1.5,\"task\":\"[ -e " + flag +
            " ] && sleep 30.375\"}");
  };
  auto held = [&] { return conn_->Cmd({"SCARD", "coyotes:distinct:uniq"}); };
  push("a");
  ASSERT_TRUE(WaitState("a", "failed")) << d->LogTail();
  push("b");
  ASSERT_TRUE(WaitState("b", "failed")) << d->LogTail();
  EXPECT_EQ(held(), "0");

  { std::ofstream(flag) << ""; }
  EXPECT_EQ(Post(port, "/channels/uniq/failed-tasks/a", "").status, 200);
  EXPECT_EQ(held(), "1");
  HttpResponse r = Post(port, "/channels/uniq/failed-tasks/b", "");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(Field("b", "state"), "failed");
  EXPECT_EQ(HttpRequest(port, "GET", "/channels/uniq/failed-tasks/b").status,
            200);
  r = Post(port, "/channels/uniq/failed-tasks/retry-all", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"queued\":0"), std::string::npos) << r.body;

  // a times out and lets go of the command; then b may run again.
  ASSERT_TRUE(WaitFor([&] { return held() == "0"; }, 15)) << d->LogTail();
  EXPECT_EQ(Field("a", "state"), "failed");
  EXPECT_EQ(Post(port, "/channels/uniq/failed-tasks/b", "").status, 200);
  EXPECT_EQ(held(), "1");
  EXPECT_TRUE(WaitState("b", "running")) << d->LogTail();
}

TEST_F(Delayed, DelayTaskEndpoints) {
  auto d = StartDaemon({"--concurrent=1"});
  int port = d->http_port();
  EXPECT_EQ(
      Post(port, "/channels/default", "id=later&task=true&delay=60").status,
      200);
  EXPECT_EQ(
      Post(port, "/channels/default", "id=soon&task=true&delay=30").status,
      200);
  HttpResponse r = HttpRequest(port, "GET", "/delay-tasks");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"count\":2"), std::string::npos) << r.body;
  // By due time: "soon" first.
  EXPECT_LT(r.body.find("\"task_id\":\"soon\""),
            r.body.find("\"task_id\":\"later\""));
  r = HttpRequest(port, "GET", "/delay-tasks/later");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"state\":\"delayed\""), std::string::npos);
  EXPECT_EQ(r.body.find("\"due_at\":null"), std::string::npos) << r.body;
  r = HttpRequest(port, "GET", "/tasks/later");
  EXPECT_NE(r.body.find("\"state\":\"delayed\""), std::string::npos);
  EXPECT_EQ(HttpRequest(port, "DELETE", "/delay-tasks/later").status, 200);
  EXPECT_EQ(Field("later", "state"), "cancelled");
  EXPECT_EQ(HttpRequest(port, "GET", "/delay-tasks/later").status, 404);
  EXPECT_EQ(HttpRequest(port, "DELETE", "/delay-tasks/later").status, 404);
  EXPECT_EQ(conn_->Int({"ZCARD", "coyotes:delayed"}), 1);
}

TEST_F(Delayed, BadInputIsRefused) {
  auto d = StartDaemon({"--concurrent=1"});
  int port = d->http_port();
  for (const char* body :
       {"task=true&delay=-1", "task=true&delay=soon", "task=true&delay=1e9",
        "task=true&run_at=99999999999", "task=true&retry=101",
        "task=true&retry=-1", "task=true&retry_on=x",
        "task=true&delay=1&run_at=2000000000"}) {
    HttpResponse r = Post(port, "/channels/default", body);
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
  }
  std::vector<std::pair<std::string, std::string>> bad = {
      {"{\"task\":\"true\",\"delay\":-2}", "'delay'"},
      {"{\"task\":\"true\",\"delay\":\"1\"}", "'delay'"},
      {"{\"task\":\"true\",\"run_at\":99999999999}", "'run_at'"},
      {"{\"task\":\"true\",\"retry\":500}", "'retry'"},
      {"{\"task\":\"true\",\"retry_on\":[\"x\"]}", "'retry_on'"},
  };
  for (auto& [item, reason] : bad) PushRaw(item);
  ASSERT_TRUE(WaitFor(
      [&] {
        return conn_->LLen("coyotes:dead-letters") ==
               static_cast<long long>(bad.size());
      },
      10));
  auto letters = conn_->List({"LRANGE", "coyotes:dead-letters", "0", "-1"});
  std::reverse(letters.begin(), letters.end());
  for (size_t i = 0; i < bad.size(); i++)
    EXPECT_NE(letters[i].find(bad[i].second), std::string::npos) << letters[i];
}

TEST_F(Delayed, DueTaskWaitingInItsQueueShowsQueuedAndCancels) {
  auto d = StartDaemon({"--concurrent=1"});
  int port = d->http_port();
  // The only worker is busy, so the due task waits in the queue.
  PushRaw("{\"id\":\"busy\",\"task\":\"sleep 30\"}");
  ASSERT_TRUE(WaitState("busy", "running", 10));
  PushRaw("{\"id\":\"due\",\"task\":\"true\",\"delay\":0.2}");
  ASSERT_TRUE(
      WaitFor([&] { return conn_->LLen("coyotes:queue:default") == 1; }, 10));
  HttpResponse r = HttpRequest(port, "GET", "/tasks/due");
  EXPECT_NE(r.body.find("\"state\":\"queued\""), std::string::npos) << r.body;
  EXPECT_EQ(HttpRequest(port, "GET", "/delay-tasks/due").status, 404);
  EXPECT_EQ(HttpRequest(port, "DELETE", "/tasks/due").status, 200);
  EXPECT_EQ(Field("due", "state"), "cancelled");
  EXPECT_EQ(conn_->LLen("coyotes:queue:default"), 0);
  EXPECT_EQ(HttpRequest(port, "DELETE", "/tasks/busy").status, 202);
}

TEST_F(Delayed, FailedTasksExpireAfterFailedTtl) {
  auto d = StartDaemon({"--concurrent=1", "--failed-ttl=1"});
  PushRaw("{\"id\":\"gone\",\"task\":\"exit 1\"}");
  ASSERT_TRUE(WaitState("gone", "failed"));
  EXPECT_LE(conn_->Int({"TTL", "coyotes:task:gone"}), 1);
  EXPECT_TRUE(WaitFor(
      [&] {
        HttpResponse r = HttpRequest(d->http_port(), "GET",
                                     "/channels/default/failed-tasks");
        return r.body.find("\"count\":0") != std::string::npos;
      },
      5));
  EXPECT_EQ(conn_->Int({"EXISTS", "coyotes:task:gone"}), 0);
}

}  // namespace
}  // namespace coyotes::testing
