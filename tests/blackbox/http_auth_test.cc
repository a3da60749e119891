// HTTP authentication (--http-token-file), GET /healthz, and the refusal
// of an HTTP address outside the loopback without tokens, over real HTTP.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>

#include "blackbox/bb_util.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/redis_server.h"
#include "support/wait.h"

namespace coyotes::testing {
namespace {

constexpr char kWrite[] = "write-token-0123456789";
constexpr char kRead[] = "read-token-0123456789";

class HttpAuth : public BlackBox {
 protected:
  std::string TokenFile(const std::string& content, mode_t mode = 0600) {
    std::string path = tmp_ / "tokens";
    std::ofstream(path) << content;
    EXPECT_EQ(chmod(path.c_str(), mode), 0);
    return path;
  }
  static HttpResponse As(int port, const std::string& method,
                         const std::string& path, const std::string& token,
                         const std::string& body = "") {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/x-www-form-urlencoded"}};
    if (!token.empty()) headers.push_back({"Authorization", "Bearer " + token});
    return HttpRequest(port, method, path, body, headers);
  }
  int Exit(std::vector<std::string> flags, std::string* out) {
    flags.insert(flags.begin(), {"--redis-host=" + redis_->addr(),
                                 "--pidfile=" + (tmp_ / "p.pid")});
    int status = Daemon::RunToExit(flags, out);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

TEST_F(HttpAuth, TokensDecideWhoMayDoWhat) {
  std::string file =
      TokenFile(std::string("# ops\n") + kWrite + "\n" + kRead + " read\n");
  auto d = StartDaemon({"--concurrent=1", "--http-token-file=" + file});
  int port = d->http_port();

  // No token, or an unknown one: 401 with the challenge, nothing queued.
  for (const std::string& token : {std::string(""), std::string("x"),
                                   std::string("wrong-token-0123456789")}) {
    HttpResponse r = As(port, "POST", "/channels/default", token, "task=true");
    EXPECT_EQ(r.status, 401) << token << ": " << r.body;
    EXPECT_EQ(r.headers["www-authenticate"], "Bearer realm=\"coyotes\"");
    EXPECT_NE(r.body.find("\"status_code\":401"), std::string::npos);
    EXPECT_EQ(As(port, "GET", "/", token).status, 401);
    // Unknown paths do not tell what exists either.
    EXPECT_EQ(As(port, "GET", "/no-such-thing", token).status, 401);
  }
  EXPECT_EQ(conn_->LLen("coyotes:queue:default"), 0);
  EXPECT_EQ(conn_->Cmd({"HGET", "coyotes:stats", "dealt"}), "(nil)");

  // A read token reads, and may not write.
  EXPECT_EQ(As(port, "GET", "/", kRead).status, 200);
  EXPECT_EQ(As(port, "HEAD", "/channels", kRead).status, 200);
  HttpResponse r = As(port, "POST", "/channels/default", kRead, "task=true");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(As(port, "DELETE", "/dead-letters", kRead).status, 403);

  // A write token does everything.
  r = As(port, "POST", "/channels/default", kWrite, "task=true&id=a1");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(WaitState("a1", "succeeded"));
  EXPECT_EQ(As(port, "GET", "/tasks/a1", kWrite).status, 200);

  // /healthz needs none.
  r = As(port, "GET", "/healthz", "");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"data\":{\"redis\":true}"), std::string::npos)
      << r.body;
}

TEST_F(HttpAuth, HupReadsTheFileAgainAndKeepsTheOldOnError) {
  std::string file = TokenFile(std::string(kWrite) + "\n");
  auto d = StartDaemon({"--concurrent=1", "--http-token-file=" + file});
  int port = d->http_port();
  EXPECT_EQ(As(port, "GET", "/", kRead).status, 401);

  TokenFile(std::string(kRead) + " read\n");
  d->Signal(SIGHUP);
  ASSERT_TRUE(
      WaitFor([&] { return As(port, "GET", "/", kRead).status == 200; }, 10))
      << d->LogTail();
  EXPECT_EQ(As(port, "GET", "/", kWrite).status, 401);

  // A broken file keeps what was read before, and says so.
  TokenFile("short\n");
  d->Signal(SIGHUP);
  EXPECT_TRUE(d->WaitLog("keeping the 1 tokens read before", 10));
  EXPECT_EQ(As(port, "GET", "/", kRead).status, 200);
}

TEST_F(HttpAuth, HealthzFollowsRedis) {
  auto d = StartDaemon({"--concurrent=1"});
  int port = d->http_port();
  HttpResponse r = HttpRequest(port, "GET", "/healthz");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body,
            "{\"status_code\":200,\"message\":\"ok\",\"data\":{\"redis\":"
            "true}}");
  redis_->Kill();
  ASSERT_TRUE(WaitFor(
      [&] { return HttpRequest(port, "GET", "/healthz").status == 503; }, 10));
  r = HttpRequest(port, "GET", "/healthz");
  EXPECT_NE(r.body.find("\"data\":{\"redis\":false}"), std::string::npos)
      << r.body;
  redis_->Restart();
  EXPECT_TRUE(WaitFor(
      [&] { return HttpRequest(port, "GET", "/healthz").status == 200; }, 20));
}

TEST_F(HttpAuth, BadTokenFilesExit2) {
  std::string out;
  std::string world = TokenFile(std::string(kWrite) + "\n", 0644);
  EXPECT_EQ(
      Exit({"--http-addr=127.0.0.1:0", "--http-token-file=" + world}, &out), 2)
      << out;
  EXPECT_NE(out.find("readable by other users"), std::string::npos) << out;
  std::string shorty = TokenFile("0123456789\n");
  EXPECT_EQ(
      Exit({"--http-addr=127.0.0.1:0", "--http-token-file=" + shorty}, &out), 2)
      << out;
  EXPECT_NE(out.find("shorter than 16"), std::string::npos) << out;
  EXPECT_EQ(Exit({"--http-addr=127.0.0.1:0",
                  "--http-token-file=" + (tmp_ / "missing")},
                 &out),
            2)
      << out;
}

TEST_F(HttpAuth, OutsideTheLoopbackNeedsTokensOrInsecure) {
  std::string out;
  EXPECT_EQ(Exit({"--http-addr=0.0.0.0:0"}, &out), 2) << out;
  EXPECT_NE(out.find("--http-addr: '0.0.0.0:0' is outside the loopback"),
            std::string::npos)
      << out;
  auto d = StartDaemon(
      {"--concurrent=1", "--http-addr=0.0.0.0:0", "--http-insecure"});
  EXPECT_TRUE(d->WaitLog("--http-insecure: the HTTP API on 0.0.0.0:0", 5));
}

}  // namespace
}  // namespace coyotes::testing
