// --redis-sentinel with real processes on loopback: a master, one replica
// and three redis-sentinel (quorum 2). The daemons follow a failover on
// their own; with --redis-wait-replicas=1 no task they accepted is lost.
#include <gtest/gtest.h>
#include <signal.h>

#include <iostream>
#include <string>
#include <vector>

#include "blackbox/bb_util.h"
#include "support/http_client.h"

namespace coyotes::testing {
namespace {

constexpr char kName[] = "coyotes-test";

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = 0; (at = text.find(needle, at)) != std::string::npos;
       at += needle.size())
    n++;
  return n;
}

// Whether `replica` has its link to its master up, within `timeout_s`.
bool LinkUp(RedisServer& replica, double timeout_s = 20) {
  return WaitFor(
      [&] {
        return replica.Connect()
                   ->Cmd({"INFO", "replication"})
                   .find("master_link_status:up") != std::string::npos;
      },
      timeout_s);
}

class Sentinel : public ::testing::Test {
 protected:
  void SetUp() override {
    servers_.push_back(RedisServer::Start());
    servers_.push_back(RedisServer::Start(
        {.extra_args = {"--replicaof", "127.0.0.1",
                        std::to_string(servers_[0]->port())}}));
    ASSERT_TRUE(LinkUp(*servers_[1])) << servers_[1]->LogTail();
    const std::string conf =
        std::string("sentinel monitor ") + kName + " 127.0.0.1 " +
        std::to_string(servers_[0]->port()) +
        " 2\n"
        "sentinel down-after-milliseconds " +
        kName + " 1000\nsentinel failover-timeout " + kName + " 5000\n";
    for (int i = 0; i < 3; i++)
      sentinels_.push_back(
          RedisServer::Start({.sentinel = true, .sentinel_config = conf}));
    // Ready when every sentinel knows the replica and the two others: a
    // failover needs their votes.
    for (auto& s : sentinels_)
      ASSERT_TRUE(WaitFor(
          [&] {
            auto c = s->Connect();
            return Count(c->Cmd({"SENTINEL", "replicas", kName}),
                         "\nflags\n") == 1 &&
                   Count(c->Cmd({"SENTINEL", "sentinels", kName}), "runid") ==
                       2;
          },
          30))
          << s->LogTail();
  }

  std::unique_ptr<Daemon> StartDaemon(std::vector<std::string> flags) {
    std::string list;
    for (auto& s : sentinels_) list += (list.empty() ? "" : ",") + s->addr();
    flags.insert(flags.begin(), {"--redis-sentinel=" + list,
                                 std::string("--redis-master-name=") + kName,
                                 "--redis-wait=2", "--concurrent=3"});
    auto d = Daemon::Start(*servers_[0],
                           {.flags = std::move(flags), .redis_host = false});
    EXPECT_TRUE(d->WaitReady(20)) << d->LogTail();
    return d;
  }

  // The port of the master the sentinels name now (0: no answer).
  int NamedMaster() {
    for (auto& s : sentinels_) {
      std::string a =
          s->Connect()->Cmd({"SENTINEL", "get-master-addr-by-name", kName});
      size_t nl = a.find('\n');
      if (nl != std::string::npos) return std::atoi(a.c_str() + nl + 1);
    }
    return 0;
  }
  RedisServer* ServerOn(int port) {
    for (auto& s : servers_)
      if (s->port() == port) return s.get();
    return nullptr;
  }

  static HttpResponse Post(Daemon& d, const std::string& task) {
    return HttpRequest(
        d.http_port(), "POST", "/channels/default", "task=" + task,
        {{"Content-Type", "application/x-www-form-urlencoded"}}, 15);
  }

  struct Stream {
    std::vector<bool> accepted;
    int first_after_failover = -1;  // index of the first POST after it
    int refused = 0;                // answers other than 200, retried
  };
  // The killed master comes back (as a service manager would restart it)
  // once the replica is promoted; the sentinels make it the new master's
  // replica, so that WAIT 1 can be met again.
  void RestartOldMaster() {
    servers_[0]->Restart();
    EXPECT_TRUE(LinkUp(*servers_[0], 60)) << servers_[0]->LogTail();
  }

  // A producer that follows the sentinels: LPUSH to the master they name,
  // then WAIT for its replica, as the man page advises; true when both
  // succeeded.
  bool Push(int i) {
    RedisServer* master = ServerOn(NamedMaster());
    if (master == nullptr || !master->running()) return false;
    auto c = master->Connect();
    std::string pushed =
        c->Cmd({"LPUSH", "task:prepare:queue",
                SeedItem("touch " + (tmp_ / std::to_string(i)))});
    if (pushed.rfind("ERR", 0) == 0) return false;
    return c->Cmd({"WAIT", "1", "100"}) == "1";
  }

  // Sends n tasks `touch DIR/i`: the even ones POSTed, alternately to each
  // daemon, the odd ones pushed by a producer (Push). A refused one is sent
  // again, as a producer would, until accepted or 90 s have passed. `disrupt`
  // runs once, before task `at`; `after`, once the sentinels name another
  // master.
  Stream PostStream(std::vector<Daemon*> daemons, int n, int at,
                    const std::function<void()>& disrupt, int old_master,
                    const std::function<void()>& after = nullptr) {
    Stream st;
    st.accepted.assign(n, false);
    const double deadline = NowSeconds() + 90;
    for (int i = 0; i < n; i++) {
      if (i == at) disrupt();
      while (NowSeconds() < deadline) {
        if (i >= at && st.first_after_failover < 0 &&
            NamedMaster() != old_master) {
          st.first_after_failover = i;
          if (after) after();
        }
        if (i % 2 == 0 ? Post(*daemons[i / 2 % daemons.size()],
                              "touch+" + (tmp_ / std::to_string(i)))
                                 .status == 200
                       : Push(i)) {
          st.accepted[i] = true;
          break;
        }
        st.refused++;
      }
    }
    return st;
  }
  // Accepted tasks whose file is still missing once the queue settles.
  int Lost(const Stream& st, double timeout_s) {
    auto missing = [&] {
      int m = 0;
      for (size_t i = 0; i < st.accepted.size(); i++)
        if (st.accepted[i] && !Exists(tmp_ / std::to_string(i))) m++;
      return m;
    };
    WaitFor([&] { return missing() == 0; }, timeout_s);
    return missing();
  }

  std::vector<std::unique_ptr<RedisServer>> servers_;  // master, replica
  std::vector<std::unique_ptr<RedisServer>> sentinels_;
  TempDir tmp_;
};

TEST_F(Sentinel, MasterKilledNothingAcceptedIsLost) {
  auto a = StartDaemon({"--redis-wait-replicas=1"});
  auto b = StartDaemon({"--redis-wait-replicas=1"});
  const int old_master = servers_[0]->port();
  HttpResponse status = HttpRequest(a->http_port(), "GET", "/");
  EXPECT_NE(status.body.find(
                "\"addr\":\"127.0.0.1:" + std::to_string(old_master) + "\""),
            std::string::npos)
      << status.body;
  EXPECT_NE(status.body.find("\"sentinel\":\"127.0.0.1:"), std::string::npos)
      << status.body;

  Stream st = PostStream(
      {a.get(), b.get()}, 2000, 500, [&] { servers_[0]->Kill(); }, old_master,
      [&] { RestartOldMaster(); });
  int accepted = 0;
  for (bool x : st.accepted) accepted += x;
  EXPECT_EQ(accepted, 2000) << a->LogTail() << b->LogTail();
  EXPECT_EQ(Lost(st, 60), 0) << a->LogTail() << b->LogTail();
  std::cout << "[ figures  ] sentinel, master killed, --redis-wait-replicas=1: "
            << accepted << " accepted, 0 lost, " << st.refused
            << " POSTs refused during the failover and sent again\n";

  // GET / names the new master and the sentinel that named it.
  const int new_master = NamedMaster();
  EXPECT_NE(new_master, old_master);
  EXPECT_TRUE(WaitFor(
      [&] {
        return HttpRequest(a->http_port(), "GET", "/")
                   .body.find(
                       "\"addr\":\"127.0.0.1:" + std::to_string(new_master) +
                       "\"") != std::string::npos;
      },
      10));
  EXPECT_TRUE(a->running());
  EXPECT_TRUE(b->running());
}

TEST_F(Sentinel, MasterKilledWithoutReplicaWaitReportsLosses) {
  auto a = StartDaemon({});
  auto b = StartDaemon({});
  const int old_master = servers_[0]->port();
  Stream st = PostStream(
      {a.get(), b.get()}, 2000, 500, [&] { servers_[0]->Kill(); }, old_master,
      [&] { RestartOldMaster(); });
  int accepted = 0;
  for (bool x : st.accepted) accepted += x;
  const int lost = Lost(st, 30);
  std::cout << "[ figures  ] sentinel, master killed, --redis-wait-replicas=0: "
            << lost << " of " << accepted
            << " accepted tasks lost (acknowledged by the old master, not "
               "yet replicated)\n";
  // What was accepted once the new master was named is never at risk.
  ASSERT_GE(st.first_after_failover, 0);
  for (size_t i = st.first_after_failover; i < st.accepted.size(); i++)
    if (st.accepted[i]) {
      EXPECT_TRUE(Exists(tmp_ / std::to_string(i))) << "task " << i;
    }
  EXPECT_TRUE(a->running());
  EXPECT_TRUE(b->running());
}

TEST_F(Sentinel, SentinelFailoverWhileTasksRunLosesNothing) {
  auto a = StartDaemon({"--redis-wait-replicas=1"});
  auto b = StartDaemon({"--redis-wait-replicas=1"});
  const int old_master = servers_[0]->port();
  Stream st = PostStream(
      {a.get(), b.get()}, 2000, 500,
      [&] {
        EXPECT_EQ(
            sentinels_[0]->Connect()->Cmd({"SENTINEL", "FAILOVER", kName}),
            "OK");
      },
      old_master);
  int accepted = 0;
  for (bool x : st.accepted) accepted += x;
  EXPECT_EQ(accepted, 2000);
  EXPECT_EQ(Lost(st, 60), 0) << a->LogTail() << b->LogTail();
  EXPECT_NE(NamedMaster(), old_master);
  std::cout << "[ figures  ] sentinel, SENTINEL FAILOVER, "
               "--redis-wait-replicas=1: "
            << accepted << " accepted, 0 lost, " << st.refused
            << " POSTs refused during the failover and sent again\n";
  // The workers moved too: a task queued now runs.
  ASSERT_EQ(Post(*a, "touch+" + (tmp_ / "after")).status, 200);
  EXPECT_TRUE(WaitFor([&] { return Exists(tmp_ / "after"); }, 30))
      << a->LogTail();
}

}  // namespace
}  // namespace coyotes::testing
