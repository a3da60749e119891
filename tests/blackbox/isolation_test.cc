// A channel's isolation through the daemon, as a user sets it up: POST
// /channels with user, limits, isolate, shell, allow and env_allow, then
// tasks by LPUSH and HTTP. The mechanisms themselves (rlimits, namespaces)
// are tested in tests/integration/task/isolation_test.cc; here, that the
// settings reach every task and that what they refuse is never run.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "blackbox/bb_util.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/redis_server.h"
#include "support/wait.h"

namespace coyotes::testing {
namespace {

class Isolation : public BlackBox {
 protected:
  void SetUp() override {
    BlackBox::SetUp();
    ASSERT_EQ(chmod(tmp_.path().c_str(), 0777), 0);
  }
  HttpResponse Post(const std::string& path, const std::string& body) {
    return HttpRequest(port_, "POST", path, body,
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
  }
  HttpResponse PostJson(const std::string& path, const std::string& body) {
    return HttpRequest(port_, "POST", path, body,
                       {{"Content-Type", "application/json"}});
  }
  void Start(std::vector<std::string> flags = {}) {
    flags.push_back("--concurrent=1");
    daemon_ = StartDaemon(flags);
    port_ = daemon_->http_port();
  }
  void Channel(const std::string& json) {
    HttpResponse r = PostJson("/channels", json);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  // The last dead letter's reason.
  std::string LastDeadLetterReason(size_t count) {
    EXPECT_TRUE(WaitFor(
        [&] { return conn_->LLen("coyotes:dead-letters") == (long long)count; },
        10));
    std::string entry = conn_->Cmd({"LINDEX", "coyotes:dead-letters", "0"});
    size_t at = entry.find("\"reason\":\"");
    if (at == std::string::npos) return entry;
    at += 10;
    return entry.substr(at, entry.find('"', at) - at);
  }

  std::unique_ptr<Daemon> daemon_;
  int port_ = 0;
};

TEST_F(Isolation, ChannelUserRunsItsTasks) {
  if (geteuid() != 0)
    GTEST_SKIP() << "a channel user other than ours needs root";
  Start();
  Channel("{\"name\":\"cu\",\"worker\":1,\"user\":\"nobody\"}");
  PushRaw("{\"id\":\"u1\",\"chan\":\"cu\",\"task\":\"id -u > " + (tmp_ / "u1") +
          "\"}");
  ASSERT_TRUE(WaitState("u1", "succeeded")) << daemon_->LogTail();
  EXPECT_EQ(ReadAll(tmp_ / "u1"), "65534\n");
  HttpResponse r = HttpRequest(port_, "GET", "/");
  EXPECT_NE(r.body.find("\"channel\":\"cu\",\"index\":0,\"user\":\"nobody\""),
            std::string::npos)
      << r.body;
  // Unknown users and groups are refused at creation.
  r = PostJson("/channels", "{\"name\":\"bad\",\"user\":\"no-such-user-x\"}");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("unknown user 'no-such-user-x'"), std::string::npos);
  r = PostJson("/channels",
               "{\"name\":\"bad\",\"user\":\"nobody\","
               "\"group\":\"no-such-group-x\"}");
  EXPECT_EQ(r.status, 400) << r.body;
}

TEST_F(Isolation, WithUserAChannelOfAnotherUserIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "--user needs root";
  Start({"--user=nobody"});
  HttpResponse r =
      PostJson("/channels", "{\"name\":\"other\",\"user\":\"daemon\"}");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("cannot run tasks as another user"), std::string::npos)
      << r.body;
  Channel("{\"name\":\"same\",\"user\":\"nobody\"}");
}

TEST_F(Isolation, StoredChannelOfAnotherUserFailsItsTasks) {
  if (geteuid() != 0) GTEST_SKIP() << "--user needs root";
  // Stored by someone else; this daemon (--user=nobody) cannot become
  // daemon, so the tasks fail rather than run as nobody.
  conn_->Cmd({"HSET", "coyotes:channels", "other",
              "{\"distinct\":false,\"user\":\"daemon\"}"});
  Start({"--user=nobody"});
  PushRaw("{\"id\":\"o1\",\"chan\":\"other\",\"task\":\"touch " +
          (tmp_ / "o1") + "\"}");
  ASSERT_TRUE(WaitState("o1", "failed")) << daemon_->LogTail();
  EXPECT_EQ(Field("o1", "reason")
                .rfind("isolation unavailable: user daemon: "
                       "the daemon runs as nobody",
                       0),
            0u)
      << Field("o1", "reason");
  EXPECT_FALSE(Exists(tmp_ / "o1"));
}

TEST_F(Isolation, UnreadableStoredSettingsFailClosed) {
  conn_->Cmd({"HSET", "coyotes:channels", "odd",
              "{\"distinct\":false,\"isolate\":[\"bogus\"]}"});
  Start();
  PushRaw("{\"id\":\"b1\",\"chan\":\"odd\",\"task\":\"touch " + (tmp_ / "b1") +
          "\"}");
  ASSERT_TRUE(WaitState("b1", "failed")) << daemon_->LogTail();
  EXPECT_EQ(Field("b1", "reason"),
            "isolation unavailable: settings: isolate: unknown 'bogus'");
  EXPECT_FALSE(Exists(tmp_ / "b1"));
}

TEST_F(Isolation, LimitsBiteAndTasksMayNotAskForMore) {
  Start({"--task-limits=nofile=512"});
  Channel("{\"name\":\"lim\",\"limits\":{\"cpu\":1,\"fsize\":\"64K\"}}");
  // A CPU loop: SIGXCPU at one second of CPU.
  PushRaw(
      "{\"id\":\"cpu\",\"chan\":\"lim\",\"task\":\"exec sh -c 'while :; "
      "do :; done'\"}");
  ASSERT_TRUE(WaitState("cpu", "failed", 20)) << daemon_->LogTail();
  EXPECT_EQ(Field("cpu", "reason"), "cpu limit");
  EXPECT_EQ(Field("cpu", "signal"), "SIGXCPU");
  // Writing past fsize.
  PushRaw(
      "{\"id\":\"fs\",\"chan\":\"lim\",\"task\":\"exec head -c 1000000 "
      "/dev/zero > " +
      (tmp_ / "big") + "\"}");
  ASSERT_TRUE(WaitState("fs", "failed")) << daemon_->LogTail();
  EXPECT_EQ(Field("fs", "reason"), "file size limit");
  // The daemon's limit and the task's own: the tightest applies.
  PushRaw(
      "{\"id\":\"nf\",\"chan\":\"lim\",\"limits\":{\"nofile\":64},"
      "\"task\":\"ulimit -n > " +
      (tmp_ / "nofile") + "; ulimit -c >> " + (tmp_ / "nofile") + "\"}");
  ASSERT_TRUE(WaitState("nf", "succeeded")) << daemon_->LogTail();
  EXPECT_EQ(ReadAll(tmp_ / "nofile"), "64\n0\n");
  // More than the channel allows: refused, never queued.
  PushRaw(
      "{\"id\":\"more\",\"chan\":\"lim\",\"limits\":{\"cpu\":5},"
      "\"task\":\"true\"}");
  EXPECT_EQ(LastDeadLetterReason(1), "limits above the channel's: cpu");
  EXPECT_EQ(Field("more", "state"), "(nil)");
  HttpResponse r = Post("/channels/lim",
                        "task=true&limits=" + UrlEncode("{\"fsize\":\"1M\"}"));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("limits above the channel's: fsize"),
            std::string::npos);
  // Malformed limits.
  r = Post("/channels/lim", "task=true&limits=" + UrlEncode("{\"disk\":1}"));
  EXPECT_EQ(r.status, 400) << r.body;
  r = PostJson("/channels", "{\"name\":\"l2\",\"limits\":{\"memory\":\"1K\"}}");
  EXPECT_EQ(r.status, 400) << r.body;
}

TEST_F(Isolation, NamespacesReachTheTasks) {
  Start();
  HttpResponse r = PostJson(
      "/channels", "{\"name\":\"iso\",\"isolate\":[\"net\",\"tmp\",\"pid\"]}");
  if (r.status == 400 &&
      r.body.find("isolation unavailable") != std::string::npos)
    GTEST_SKIP() << "the kernel refuses the namespaces: " << r.body;
  ASSERT_EQ(r.status, 200) << r.body;
  // A listener of ours on the host's loopback.
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(listen(s, 4), 0);
  socklen_t len = sizeof(a);
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  std::string port = std::to_string(ntohs(a.sin_port));
  // The task answers on its stdout (kept in its record): the test's folder
  // may be under /tmp, which the task does not share with us.
  std::string mine = "/tmp/coyotes-isolation-" + std::to_string(getpid());
  PushRaw(
      "{\"id\":\"n1\",\"chan\":\"iso\",\"command\":\"bash\",\"args\":["
      "\"-c\",\"exec 3<>/dev/tcp/127.0.0.1/" +
      port + " && echo reached; echo pid=$$; echo tmp=[$(ls -A /tmp)]; touch " +
      mine + "; setsid sleep 987654 & exit 0\"]}");
  ASSERT_TRUE(WaitState("n1", "succeeded")) << daemon_->LogTail();
  close(s);
  std::string out = Field("n1", "stdout");
  EXPECT_EQ(out.find("reached"), std::string::npos)
      << "the task reached the host's loopback: " << out;
  // PID 1 is our init; the task is 2. Its /tmp starts empty.
  EXPECT_NE(out.find("pid=2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("tmp=[]\n"), std::string::npos) << out;
  EXPECT_FALSE(Exists(mine)) << "the task's /tmp is the host's";
  EXPECT_TRUE(
      WaitFor([] { return PidsWithCmdline("sleep 987654").empty(); }, 5));
}

TEST_F(Isolation, CommandPolicyRefusesBeforeQueueing) {
  Start();
  Channel("{\"name\":\"ns\",\"shell\":false}");
  Channel("{\"name\":\"al\",\"allow\":[\"touch\"],\"env_allow\":[\"FOO\"]}");
  // shell=false: shell syntax refused over LPUSH and HTTP; plain words run.
  PushRaw("{\"id\":\"s1\",\"chan\":\"ns\",\"task\":\"touch " + (tmp_ / "x") +
          " | cat\"}");
  EXPECT_EQ(LastDeadLetterReason(1), "shell syntax not allowed in channel ns");
  HttpResponse r =
      Post("/channels/ns", "task=" + UrlEncode("echo $HOME > /tmp/y"));
  EXPECT_EQ(r.status, 403) << r.body;
  PushRaw("{\"id\":\"s2\",\"chan\":\"ns\",\"task\":\"touch " + (tmp_ / "s2") +
          "\"}");
  ASSERT_TRUE(WaitState("s2", "succeeded")) << daemon_->LogTail();
  EXPECT_TRUE(Exists(tmp_ / "s2"));
  // allow: only touch, through PATH and realpath.
  PushRaw("{\"id\":\"a1\",\"chan\":\"al\",\"task\":\"touch " + (tmp_ / "a1") +
          "\"}");
  ASSERT_TRUE(WaitState("a1", "succeeded")) << daemon_->LogTail();
  PushRaw("{\"id\":\"a2\",\"chan\":\"al\",\"command\":\"rm\",\"args\":[\"" +
          (tmp_ / "a1") + "\"]}");
  EXPECT_EQ(
      LastDeadLetterReason(2).rfind("program not allowed in channel al: /", 0),
      0u);
  r = Post("/channels/al", "command=sh&args=-c&args=true");
  EXPECT_EQ(r.status, 403) << r.body;
  // env_allow, and the loader's variables whatever it says.
  PushRaw(
      "{\"id\":\"e1\",\"chan\":\"al\",\"env\":{\"BAR\":\"1\"},\"task\":"
      "\"touch " +
      (tmp_ / "e1") + "\"}");
  EXPECT_EQ(LastDeadLetterReason(3),
            "environment variable not allowed in channel al: BAR");
  PushRaw(
      "{\"id\":\"e2\",\"chan\":\"al\",\"env\":{\"LD_PRELOAD\":\"/x.so\"},"
      "\"task\":\"touch " +
      (tmp_ / "e2") + "\"}");
  EXPECT_EQ(LastDeadLetterReason(4),
            "environment variable not allowed in channel al: LD_PRELOAD");
  r = Post("/channels/al", "id=e3&task=" + UrlEncode("touch " + (tmp_ / "e3")) +
                               "&env=" + UrlEncode("{\"BAR\":\"1\"}"));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("environment variable not allowed in channel al: BAR"),
            std::string::npos)
      << r.body;
  EXPECT_TRUE(Exists(tmp_ / "a1"));
  EXPECT_FALSE(Exists(tmp_ / "e3"));
  for (const char* id : {"s1", "a2", "e1", "e2", "e3"})
    EXPECT_EQ(Field(id, "state"), "(nil)") << id;
  // allow with shell=true is refused: a shell runs anything.
  r = PostJson("/channels",
               "{\"name\":\"bad\",\"allow\":[\"touch\"],\"shell\":true}");
  EXPECT_EQ(r.status, 400) << r.body;
  r = PostJson("/channels", "{\"name\":\"bad\",\"allow\":[\"no-such-x\"]}");
  EXPECT_EQ(r.status, 400) << r.body;
}

TEST_F(Isolation, WorkerChecksAgainBeforeTheSpawn) {
  // Routed when the channel allowed it; the settings changed before it ran.
  Start();
  Channel("{\"name\":\"late\"}");
  PushRaw("{\"id\":\"l1\",\"chan\":\"late\",\"delay\":3,\"task\":\"touch " +
          (tmp_ / "l1") + " | cat\"}");
  ASSERT_TRUE(WaitState("l1", "delayed"));
  daemon_.reset();  // drains and stops
  conn_->Cmd({"HSET", "coyotes:channels", "late",
              "{\"distinct\":false,\"shell\":false}"});
  Start();
  ASSERT_TRUE(WaitState("l1", "failed", 20)) << daemon_->LogTail();
  EXPECT_EQ(Field("l1", "reason"), "shell syntax not allowed in channel late");
  EXPECT_FALSE(Exists(tmp_ / "l1"));
}

}  // namespace
}  // namespace coyotes::testing
