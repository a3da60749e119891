// The daemon as a user runs it: flags, pid file, signals, worker
// supervision (issue: the daemon core).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include "blackbox/bb_util.h"
#include "support/daemon.h"
#include "support/redis_server.h"
#include "support/wait.h"

namespace coyotes::testing {
namespace {

class Lifecycle : public BlackBox {
 protected:
  static bool Exited0(std::optional<int> st) {
    return st && WIFEXITED(*st) && WEXITSTATUS(*st) == 0;
  }
};

TEST_F(Lifecycle, VersionAndHelp) {
  std::string out;
  int st = Daemon::RunToExit({"--version"}, &out);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  EXPECT_NE(out.find("coyotes "), std::string::npos) << out;
  st = Daemon::RunToExit({"-help"}, &out);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  for (const char* f : {"--redis-host", "--concurrent", "--task-mode",
                        "--shutdown-timeout", "--kill-grace"})
    EXPECT_NE(out.find(f), std::string::npos) << f;
}

TEST_F(Lifecycle, InvalidFlagsExit2NamingTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string named;
  } cases[] = {
      {{"--no-such-flag=1"}, "no-such-flag"},
      {{"--concurrent=-1"}, "--concurrent"},
      {{"--concurrent=abc"}, "concurrent"},
      {{"--redis-host=localhost"}, "--redis-host"},
      {{"-host=nohostport"}, "--host"},
      {{"--http-addr=127.0.0.1:99999"}, "--http-addr"},
      {{"--kill-grace=-3"}, "--kill-grace"},
      {{"--channel-default=bad name"}, "--channel-default"},
      {{"stray-argument"}, "stray-argument"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = c.args;
    std::string out;
    int st = Daemon::RunToExit(args, &out);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 2)
        << c.args[0] << " gave " << st << ": " << out;
    EXPECT_NE(out.find(c.named), std::string::npos)
        << c.named << " in: " << out;
  }
}

TEST_F(Lifecycle, PidfileWrittenAndRemovedOnDrain) {
  auto d = StartDaemon();
  EXPECT_EQ(ReadAll(d->pidfile()), std::to_string(d->pid()) + "\n");
  d->Signal(SIGUSR2);
  EXPECT_TRUE(Exited0(d->WaitExit(10))) << d->LogTail();
  EXPECT_FALSE(Exists(d->pidfile()));
  EXPECT_NE(d->log().find("drain complete"), std::string::npos);
}

TEST_F(Lifecycle, SecondInstanceRefused) {
  auto d = StartDaemon();
  std::string out;
  int st = Daemon::RunToExit(
      {"--redis-host=" + redis_->addr(), "--pidfile=" + d->pidfile(),
       "--http-addr=127.0.0.1:0"},
      &out);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 2) << out;
  EXPECT_NE(out.find(std::to_string(d->pid())), std::string::npos) << out;
  EXPECT_EQ(ReadAll(d->pidfile()), std::to_string(d->pid()) + "\n");
  EXPECT_TRUE(d->running());
}

TEST_F(Lifecycle, StalePidfileIsTakenOver) {
  std::string pidfile = tmp_ / "stale.pid";
  { std::ofstream(pidfile) << "1\n"; }  // names init, but nobody locks it
  auto d = StartDaemon({"--pidfile=" + pidfile});
  EXPECT_EQ(ReadAll(pidfile), std::to_string(d->pid()) + "\n");
  d->Signal(SIGTERM);
  EXPECT_TRUE(Exited0(d->WaitExit(10)));
  EXPECT_FALSE(Exists(pidfile));
}

TEST_F(Lifecycle, Usr2LetsTheRunningTaskFinish) {
  auto d = StartDaemon({"--concurrent=1"});
  Push("sleep 2; touch " + (tmp_ / "done"));
  Push("touch " + (tmp_ / "behind"));
  ASSERT_TRUE(d->WaitLog("task start", 10)) << d->LogTail();
  double t0 = NowSeconds();
  d->Signal(SIGUSR2);
  auto st = d->WaitExit(15);
  EXPECT_TRUE(Exited0(st)) << d->LogTail();
  EXPECT_LT(NowSeconds() - t0, 6.0);
  EXPECT_TRUE(Exists(tmp_ / "done"));
  EXPECT_FALSE(Exists(tmp_ / "behind"));
  EXPECT_FALSE(Exists(d->pidfile()));
  EXPECT_EQ(conn_->LLen("coyotes:queue:default"), 1);
}

TEST_F(Lifecycle, CtrlCToTheGroupDoesNotKillTheTask) {
  auto d = StartDaemon({"--concurrent=1"});
  Push("sleep 1; touch " + (tmp_ / "done"));
  ASSERT_TRUE(d->WaitLog("task start", 10)) << d->LogTail();
  d->SignalGroup(SIGINT);  // what a terminal's Ctrl+C does
  EXPECT_TRUE(Exited0(d->WaitExit(15))) << d->LogTail();
  EXPECT_TRUE(Exists(tmp_ / "done"));
  EXPECT_NE(d->log().find("state=succeeded"), std::string::npos);
}

TEST_F(Lifecycle, SecondTermIsAFastStopThatRequeues) {
  auto d = StartDaemon({"--concurrent=1", "--kill-grace=1"});
  // An odd duration, so that no other process on the machine matches.
  Push("sleep 30.25; touch " + (tmp_ / "never"));
  ASSERT_TRUE(d->WaitLog("task start", 10)) << d->LogTail();
  d->Signal(SIGTERM);
  ASSERT_TRUE(d->WaitLog("draining", 5));
  d->Signal(SIGTERM);
  EXPECT_TRUE(Exited0(d->WaitExit(15))) << d->LogTail();
  EXPECT_FALSE(Exists(d->pidfile()));
  EXPECT_FALSE(Exists(tmp_ / "never"));
  EXPECT_TRUE(PidsWithCmdline("sleep 30.25").empty());
  // The task is back at the head of its queue, not failed.
  auto items = conn_->List({"LRANGE", "coyotes:queue:default", "0", "-1"});
  ASSERT_EQ(items.size(), 1u);
  EXPECT_NE(items[0].find("sleep 30.25"), std::string::npos);
}

TEST_F(Lifecycle, ShutdownTimeoutEndsTheDrain) {
  auto d =
      StartDaemon({"--concurrent=1", "--kill-grace=1", "--shutdown-timeout=1"});
  Push("sleep 30");
  ASSERT_TRUE(d->WaitLog("task start", 10)) << d->LogTail();
  d->Signal(SIGUSR2);
  EXPECT_TRUE(Exited0(d->WaitExit(15))) << d->LogTail();
  EXPECT_NE(d->log().find("--shutdown-timeout expired"), std::string::npos);
  EXPECT_EQ(conn_->LLen("coyotes:queue:default"), 1);
}

TEST_F(Lifecycle, HupKeepsRunning) {
  auto d = StartDaemon({"--concurrent=1"});
  d->Signal(SIGHUP);
  ASSERT_TRUE(d->WaitLog("reopening log files", 5));
  Push("touch " + (tmp_ / "after-hup"));
  EXPECT_TRUE(WaitFor([&] { return Exists(tmp_ / "after-hup"); }, 10));
  EXPECT_TRUE(d->running());
}

TEST_F(Lifecycle, KilledWorkerIsReplaced) {
  auto d = StartDaemon({"--concurrent=2"});
  std::vector<pid_t> before;
  ASSERT_TRUE(
      WaitFor([&] { return (before = d->WorkerPids()).size() == 2; }, 10));
  kill(before[0], SIGKILL);
  std::vector<pid_t> after;
  EXPECT_TRUE(WaitFor(
      [&] {
        after = d->WorkerPids();
        return after.size() == 2 &&
               std::find(after.begin(), after.end(), before[0]) == after.end();
      },
      10))
      << d->LogTail();
  EXPECT_NE(d->log().find("killed by SIGKILL"), std::string::npos);
  for (int i = 0; i < 4; i++) Push("touch " + (tmp_ / std::to_string(i)));
  EXPECT_TRUE(WaitFor(
      [&] {
        for (int i = 0; i < 4; i++)
          if (!Exists(tmp_ / std::to_string(i))) return false;
        return true;
      },
      10));
}

TEST_F(Lifecycle, WorkersLeaveAfterTheirTaskWhenTheMasterDies) {
  auto d = StartDaemon({"--concurrent=2"});
  Push("sleep 1.5; touch " + (tmp_ / "done"));
  ASSERT_TRUE(d->WaitLog("task start", 10)) << d->LogTail();
  std::vector<pid_t> workers = d->WorkerPids();
  ASSERT_EQ(workers.size(), 2u);
  d->Signal(SIGKILL);
  d->WaitExit(5);
  EXPECT_TRUE(WaitFor(
      [&] {
        for (pid_t w : workers)
          if (Alive(w)) return false;
        return true;
      },
      10));
  EXPECT_TRUE(Exists(tmp_ / "done"));
}

TEST_F(Lifecycle, WaitsForRedisAtStart) {
  redis_->Stop();
  auto d = Daemon::Start(*redis_, {});
  ASSERT_TRUE(d->WaitLog("unreachable (attempt 2)", 10)) << d->LogTail();
  redis_->Restart();
  EXPECT_TRUE(d->WaitReady(20)) << d->LogTail();
}

TEST_F(Lifecycle, WrongPasswordExits2) {
  auto secured = RedisServer::Start({.password = "right"});
  std::string out;
  int st = Daemon::RunToExit(
      {"--redis-host=" + secured->addr(), "--redis-password=wrong",
       "--pidfile=" + (tmp_ / "p.pid"), "--http-addr=127.0.0.1:0"},
      &out);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 2) << out;
  EXPECT_NE(out.find("password"), std::string::npos) << out;
  EXPECT_FALSE(Exists(tmp_ / "p.pid"));
}

TEST_F(Lifecycle, DeprecatedPasswordAliasWarns) {
  // The original's -password spelling still works and says it is
  // deprecated (the --host mapping is covered by the flags unit test).
  auto d = Daemon::Start(*redis_, {.flags = {"-password="}});
  ASSERT_TRUE(d->WaitReady()) << d->LogTail();
  EXPECT_NE(d->log().find("--password is deprecated"), std::string::npos);
}

}  // namespace
}  // namespace coyotes::testing
