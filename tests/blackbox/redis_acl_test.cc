// Redis credentials: --redis-user and --redis-password-file, and the
// smallest ACL that the man page documents. The ACL is read from
// man/coyotes.8 itself, so the page and the daemon cannot drift apart: the
// daemon runs under exactly that user through every kind of Redis step it
// takes, and Redis's ACL LOG must stay empty.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "blackbox/bb_util.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/redis_server.h"
#include "support/wait.h"

namespace coyotes::testing {
namespace {

constexpr char kPassword[] = "acl-test-password-1";

// The words of the ACL SETUSER example under "The smallest Redis ACL", with
// groff's escapes undone and the password put in.
std::vector<std::string> ManPageAcl() {
  std::string page = ReadAll(std::string(kCoyotesSrcDir) + "/man/coyotes.8");
  size_t at = page.find("\nACL SETUSER coyotes ");
  EXPECT_NE(at, std::string::npos) << "no ACL SETUSER example in the man page";
  if (at == std::string::npos) return {};
  size_t end = page.find("\n.EE", at);
  std::string text = page.substr(at + 1, end - at - 1);
  // \fIpassword\fP is the placeholder, \- a minus.
  for (size_t p; (p = text.find("\\fI")) != std::string::npos;) {
    size_t q = text.find("\\fP", p);
    if (q == std::string::npos) break;
    text.replace(p, q + 3 - p, kPassword);
  }
  for (size_t p; (p = text.find("\\-")) != std::string::npos;)
    text.replace(p, 2, "-");
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

class RedisAcl : public BlackBox {
 protected:
  // Creates user coyotes from `acl` (ACL SETUSER ...) and a password file.
  void CreateUser(const std::vector<std::string>& acl) {
    ASSERT_GT(acl.size(), 4u);
    EXPECT_EQ(conn_->Cmd(acl), "OK");
    EXPECT_EQ(conn_->Cmd({"ACL", "LOG", "RESET"}), "OK");
    password_file_ = tmp_ / "redis-password";
    std::ofstream(password_file_) << kPassword << "\n";
    ASSERT_EQ(chmod(password_file_.c_str(), 0600), 0);
  }
  std::unique_ptr<Daemon> StartAsUser(std::vector<std::string> flags = {}) {
    flags.insert(flags.begin(), {"--redis-user=coyotes",
                                 "--redis-password-file=" + password_file_});
    return StartDaemon(flags);
  }
  HttpResponse Post(int port, const std::string& path,
                    const std::string& body) {
    return HttpRequest(port, "POST", path, body,
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
  }
  std::string AclLog() { return conn_->Cmd({"ACL", "LOG"}); }
  // Runs the daemon as user coyotes until it exits; its exit status, or -1
  // when a signal ended it.
  int StartAsUserToExit(std::string* out) {
    int status = Daemon::RunToExit(
        {"--redis-host=" + redis_->addr(), "--pidfile=" + (tmp_ / "p.pid"),
         "--http-addr=127.0.0.1:0", "--redis-user=coyotes",
         "--redis-password-file=" + password_file_},
        out);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string password_file_;
};

TEST_F(RedisAcl, TheManPagesAclIsEnoughForEveryStep) {
  CreateUser(ManPageAcl());
  auto d = StartAsUser({"--concurrent=1", "--retry-min-delay=0.1",
                        "--retry-max-delay=0.2", "--lease-ttl=1"});
  int port = d->http_port();
  // Every connection logged in as coyotes, none as the default user.
  EXPECT_NE(conn_->Cmd({"CLIENT", "LIST"}).find("user=coyotes"),
            std::string::npos);

  // Routing, start, finish: a producer item runs.
  PushRaw("{\"id\":\"ok1\",\"task\":\"touch " + (tmp_ / "ok1") + "\"}");
  ASSERT_TRUE(WaitState("ok1", "succeeded")) << d->LogTail();
  // A dead letter.
  PushRaw("not json");
  ASSERT_TRUE(
      WaitFor([&] { return conn_->LLen("coyotes:dead-letters") == 1; }, 10));
  // A retry, then the failed set, a failed task run again, the list.
  PushRaw("{\"id\":\"f1\",\"retry\":1,\"task\":\"exit 3\"}");
  ASSERT_TRUE(WaitState("f1", "failed")) << d->LogTail();
  EXPECT_EQ(HttpRequest(port, "GET", "/channels/default/failed-tasks").status,
            200);
  EXPECT_EQ(Post(port, "/channels/default/failed-tasks/f1", "").status, 200);
  ASSERT_TRUE(WaitState("f1", "failed")) << d->LogTail();
  // A delayed task, promoted; another one cancelled while delayed.
  PushRaw("{\"id\":\"d1\",\"task\":\"true\",\"delay\":0.3}");
  ASSERT_TRUE(WaitState("d1", "succeeded")) << d->LogTail();
  PushRaw("{\"id\":\"d2\",\"task\":\"true\",\"delay\":600}");
  ASSERT_TRUE(WaitState("d2", "delayed"));
  EXPECT_EQ(HttpRequest(port, "GET", "/delay-tasks").status, 200);
  EXPECT_EQ(HttpRequest(port, "DELETE", "/delay-tasks/d2").status, 200);
  // A running task's live output, read and followed, then the task
  // cancelled.
  PushRaw("{\"id\":\"s1\",\"task\":\"echo live; sleep 30\"}");
  ASSERT_TRUE(WaitState("s1", "running")) << d->LogTail();
  ASSERT_TRUE(WaitFor(
      [&] {
        return HttpRequest(port, "GET", "/tasks/s1/output").body.find("live") !=
               std::string::npos;
      },
      10));
  {
    HttpStream follow(port, "/tasks/s1/output?follow=1");
    EXPECT_TRUE(follow.ReadUntil(
        [](const HttpResponse& r) {
          return r.body.find("live") != std::string::npos;
        },
        10));
  }
  EXPECT_EQ(HttpRequest(port, "DELETE", "/tasks/s1").status, 202);
  ASSERT_TRUE(WaitState("s1", "cancelled")) << d->LogTail();
  // HTTP: a task, a channel created, listed and deleted, the status page.
  HttpResponse r = Post(port, "/channels/default/tasks", "task=true&id=h1");
  EXPECT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(WaitState("h1", "succeeded"));
  EXPECT_EQ(Post(port, "/channels", "name=c2&worker=1").status, 200);
  EXPECT_EQ(HttpRequest(port, "GET", "/channels").status, 200);
  EXPECT_EQ(HttpRequest(port, "GET", "/channels/c2").status, 200);
  EXPECT_EQ(HttpRequest(port, "GET", "/tasks/h1").status, 200);
  EXPECT_EQ(HttpRequest(port, "GET", "/dead-letters").status, 200);
  EXPECT_EQ(HttpRequest(port, "DELETE", "/dead-letters").status, 200);
  EXPECT_EQ(HttpRequest(port, "DELETE", "/channels/c2").status, 200);
  r = HttpRequest(port, "GET", "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"connected\":true"), std::string::npos) << r.body;
  // Leases and recovery run on the tick; give them a few rounds.
  EXPECT_FALSE(WaitFor([&] { return AclLog() != ""; }, 2.5));

  EXPECT_EQ(AclLog(), "") << "commands or keys the ACL refused";
  EXPECT_EQ(d->log().find("NOPERM"), std::string::npos) << d->LogTail();
}

TEST_F(RedisAcl, WithANamespaceThePatternsTakeItsPrefix) {
  std::vector<std::string> acl = ManPageAcl();
  // As the man page says: every key pattern, and the events channel's.
  for (auto& w : acl)
    if (w.rfind("~", 0) == 0 || w.rfind("&", 0) == 0)
      w = w.substr(0, 1) + "ns:" + w.substr(1);
  CreateUser(acl);
  auto d = StartAsUser({"--concurrent=1", "--namespace=ns"});
  conn_->Cmd(
      {"LPUSH", "ns:task:prepare:queue", "{\"id\":\"n1\",\"task\":\"true\"}"});
  EXPECT_TRUE(WaitFor(
      [&] {
        return conn_->Cmd({"HGET", "ns:coyotes:task:n1", "state"}) ==
               "succeeded";
      },
      10))
      << d->LogTail();
  HttpResponse r =
      Post(d->http_port(), "/channels/default/tasks", "task=true&id=n2");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(AclLog(), "");
}

TEST_F(RedisAcl, AMissingCommandShowsInTheAclLog) {
  // The control for the test above: without EVALSHA nothing can run, and
  // the refusal is visible where the man page says it is.
  std::vector<std::string> acl = ManPageAcl();
  std::erase(acl, "+evalsha");
  CreateUser(acl);
  auto d = StartAsUser({"--concurrent=1"});
  PushRaw("{\"id\":\"t1\",\"task\":\"true\"}");
  EXPECT_TRUE(WaitFor([&] { return AclLog() != ""; }, 10));
  EXPECT_TRUE(d->WaitLog("NOPERM", 10)) << d->LogTail();
  // Nothing is lost meanwhile: once the ACL is fixed, the worker records
  // the task it ran.
  EXPECT_EQ(conn_->Cmd({"ACL", "SETUSER", "coyotes", "+evalsha"}), "OK");
  EXPECT_TRUE(WaitState("t1", "succeeded")) << d->LogTail();
}

TEST_F(RedisAcl, WrongCredentialsExit2) {
  CreateUser(ManPageAcl());
  std::ofstream(password_file_) << "not-the-password\n";
  std::string out;
  EXPECT_EQ(StartAsUserToExit(&out), 2) << out;
  EXPECT_NE(out.find("refused the credentials"), std::string::npos) << out;
}

TEST_F(RedisAcl, PasswordFileOthersMayReadExit2) {
  CreateUser(ManPageAcl());
  ASSERT_EQ(chmod(password_file_.c_str(), 0644), 0);
  std::string out;
  EXPECT_EQ(StartAsUserToExit(&out), 2) << out;
  EXPECT_NE(out.find("--redis-password-file: "), std::string::npos) << out;
  EXPECT_NE(out.find("readable by other users"), std::string::npos) << out;
}

}  // namespace
}  // namespace coyotes::testing
