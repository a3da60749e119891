// --user: started as root, the daemon and every worker run as that user,
// and so do the tasks. These tests need root (CI runs as root) and skip,
// saying so, otherwise.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "blackbox/bb_util.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/redis_server.h"
#include "support/wait.h"

namespace coyotes::testing {
namespace {

// The real, effective and saved uid of `pid` (/proc/PID/status "Uid:").
std::string Uids(pid_t pid) {
  std::istringstream in(ReadAll("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Uid:", 0) == 0) {
      std::istringstream f(line.substr(4));
      std::string r, e, s;
      f >> r >> e >> s;
      return r + " " + e + " " + s;
    }
  return "";
}

// Runs a shell command line; its output and exit status.
int Shell(const std::string& cmd, std::string* out) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  out->clear();
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out->append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class Privileges : public BlackBox {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "--user needs the daemon to be root";
    BlackBox::SetUp();
    // Tasks running as nobody write their answers here.
    ASSERT_EQ(chmod(tmp_.path().c_str(), 0777), 0);
  }
};

TEST_F(Privileges, EveryProcessAndTaskRunsAsTheUser) {
  auto d = StartDaemon({"--user=nobody", "--concurrent=2"});
  PushRaw("{\"id\":\"who\",\"task\":\"id -u > " + (tmp_ / "uid") +
          "; id -g > " + (tmp_ / "gid") + "\"}");
  ASSERT_TRUE(WaitState("who", "succeeded")) << d->LogTail();
  EXPECT_EQ(ReadAll(tmp_ / "uid"), "65534\n");
  EXPECT_EQ(ReadAll(tmp_ / "gid"), "65534\n");

  // No coyotes process runs as root, in any of its three uids.
  EXPECT_EQ(Uids(d->pid()), "65534 65534 65534");
  auto workers = d->WorkerPids();
  ASSERT_EQ(workers.size(), 2u);
  for (pid_t w : workers) EXPECT_EQ(Uids(w), "65534 65534 65534") << w;

  // GET / names each worker's user.
  HttpResponse r = HttpRequest(d->http_port(), "GET", "/");
  ASSERT_EQ(r.status, 200);
  size_t first = r.body.find("\"user\":\"nobody\"");
  EXPECT_NE(first, std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"user\":\"nobody\"", first + 1), std::string::npos)
      << r.body;
  EXPECT_EQ(r.body.find("\"user\":\"root\""), std::string::npos) << r.body;
  EXPECT_TRUE(d->WaitLog("running as user=nobody group=nogroup", 5));
  EXPECT_EQ(d->log().find("running as root"), std::string::npos);
}

TEST_F(Privileges, ExplicitGroup) {
  auto d = StartDaemon({"--user=nobody:daemon", "--concurrent=1"});
  PushRaw("{\"id\":\"g\",\"task\":\"id -gn > " + (tmp_ / "group") + "\"}");
  ASSERT_TRUE(WaitState("g", "succeeded")) << d->LogTail();
  EXPECT_EQ(ReadAll(tmp_ / "group"), "daemon\n");
}

TEST_F(Privileges, WithoutUserRootWarns) {
  auto d = StartDaemon({"--concurrent=1"});
  EXPECT_TRUE(d->WaitLog("running as root", 5));
  HttpResponse r = HttpRequest(d->http_port(), "GET", "/");
  EXPECT_NE(r.body.find("\"user\":\"root\""), std::string::npos) << r.body;
}

TEST_F(Privileges, UnknownUserOrGroupExits2) {
  std::string out;
  int status = Daemon::RunToExit(
      {"--redis-host=" + redis_->addr(), "--pidfile=" + (tmp_ / "p.pid"),
       "--user=no-such-user-here"},
      &out);
  ASSERT_TRUE(WIFEXITED(status)) << out;
  EXPECT_EQ(WEXITSTATUS(status), 2) << out;
  EXPECT_NE(out.find("--user: unknown user 'no-such-user-here'"),
            std::string::npos)
      << out;
  status = Daemon::RunToExit(
      {"--redis-host=" + redis_->addr(), "--pidfile=" + (tmp_ / "p.pid"),
       "--user=nobody:no-such-group-here"},
      &out);
  ASSERT_TRUE(WIFEXITED(status)) << out;
  EXPECT_EQ(WEXITSTATUS(status), 2) << out;
  EXPECT_NE(out.find("unknown group 'no-such-group-here'"), std::string::npos)
      << out;
}

TEST_F(Privileges, NotRootNamingAnotherUserExits2) {
  // setpriv makes the daemon start as nobody, not root.
  std::string out;
  int rc = Shell(
      "setpriv --reuid=65534 --regid=65534 --clear-groups " +
          std::string(kCoyotesBinary) + " --redis-host=" + redis_->addr() +
          " --pidfile=" + (tmp_ / "p.pid") + " --http-addr= --user=daemon",
      &out);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("--user: not started as root, so it cannot become "
                     "'daemon'"),
            std::string::npos)
      << out;
}

TEST_F(Privileges, LogDirTheUserCannotWriteExits) {
  std::string logs = tmp_ / "logs";
  ASSERT_EQ(mkdir(logs.c_str(), 0700), 0);  // root's alone
  std::string out;
  int status = Daemon::RunToExit(
      {"--redis-host=" + redis_->addr(), "--pidfile=" + (tmp_ / "p.pid"),
       "--http-addr=127.0.0.1:0", "--user=nobody", "--log_dir=" + logs},
      &out, 15);
  ASSERT_TRUE(WIFEXITED(status)) << out;
  EXPECT_EQ(WEXITSTATUS(status), 2) << out;
  std::string log = out;
  // With --log_dir, the reason is in the log files, not on stderr.
  for (const auto& f : std::filesystem::directory_iterator(logs))
    if (f.is_regular_file()) log += ReadAll(f.path().string());
  EXPECT_NE(log.find("not writable by --user nobody"), std::string::npos)
      << log;
}

}  // namespace
}  // namespace coyotes::testing
