// Ready means ready: a request that needs Redis, sent the moment the HTTP
// port accepts, waits for the master's Redis connection (--redis-wait)
// instead of answering 503. Each kind of such request is tried on 50 fresh
// starts against a healthy Redis.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>

#include "blackbox/bb_util.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/redis_server.h"
#include "support/wait.h"

namespace coyotes::testing {
namespace {

constexpr int kStarts = 50;

// A loopback port nobody listens on right now.
int FreePort() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

class Ready : public BlackBox {
 protected:
  // Starts a daemon on a port of our choosing and sends `request` until the
  // port accepts (status 0 is "not listening yet"); the first answer.
  HttpResponse FirstAnswer(std::function<HttpResponse(int port)> request,
                           std::vector<std::string> flags = {}) {
    int port = FreePort();
    flags.insert(flags.end(), {"--http-addr=127.0.0.1:" + std::to_string(port),
                               "--task-mode=false"});
    auto d = Daemon::Start(*redis_, {.flags = flags});
    HttpResponse r;
    double deadline = NowSeconds() + 10;
    do {
      r = request(port);
    } while (r.status == 0 && NowSeconds() < deadline);
    // Its drain would wait for the router's blocking read (up to 1 s); the
    // next start needs none of its state.
    d->Signal(SIGKILL);
    return r;
  }
  static HttpResponse Form(int port, const std::string& path,
                           const std::string& body) {
    return HttpRequest(port, "POST", path, body,
                       {{"Content-Type", "application/x-www-form-urlencoded"}},
                       10);
  }
};

TEST_F(Ready, CreatingAChannel) {
  for (int i = 0; i < kStarts; i++) {
    conn_->Cmd({"HDEL", "coyotes:channels", "c1"});
    HttpResponse r = FirstAnswer(
        [](int port) { return Form(port, "/channels", "name=c1&worker=1"); });
    ASSERT_EQ(r.status, 200) << "start " << i << ": " << r.body;
  }
}

TEST_F(Ready, PostingADelayedTask) {
  for (int i = 0; i < kStarts; i++) {
    HttpResponse r = FirstAnswer([](int port) {
      return Form(port, "/channels/default", "task=true&delay=60");
    });
    ASSERT_EQ(r.status, 200) << "start " << i << ": " << r.body;
  }
  EXPECT_EQ(conn_->Int({"ZCARD", "coyotes:delayed"}), kStarts);
}

TEST_F(Ready, PostingATask) {
  for (int i = 0; i < kStarts; i++) {
    HttpResponse r = FirstAnswer([](int port) {
      return Form(port, "/channels/default/tasks", "task=true");
    });
    ASSERT_EQ(r.status, 200) << "start " << i << ": " << r.body;
  }
  EXPECT_EQ(conn_->LLen("coyotes:queue:default"), kStarts);
}

TEST_F(Ready, ReadingChannelsAndTasks) {
  conn_->Cmd({"HSET", "coyotes:task:known", "state", "queued", "channel",
              "default", "name", "true", "command", "true"});
  for (int i = 0; i < kStarts; i++) {
    HttpResponse r = FirstAnswer(
        [](int port) { return HttpRequest(port, "GET", "/channels"); });
    ASSERT_EQ(r.status, 200) << "start " << i << ": " << r.body;
    r = FirstAnswer(
        [](int port) { return HttpRequest(port, "GET", "/tasks/known"); });
    ASSERT_EQ(r.status, 200) << "start " << i << ": " << r.body;
  }
}

TEST_F(Ready, WithoutWaitingTheRaceShows503) {
  // --redis-wait=0 answers at once; over the starts, some request comes
  // before the connection (the bug the wait fixes). Not asserted: on a
  // quick machine every start may win the race; it is the control that
  // the test above can fail, printed for whoever looks.
  int unavailable = 0;
  for (int i = 0; i < 20; i++) {
    HttpResponse r = FirstAnswer(
        [](int port) {
          return Form(port, "/channels/default/tasks", "task=true");
        },
        {"--redis-wait=0"});
    if (r.status == 503) unavailable++;
    ASSERT_TRUE(r.status == 200 || r.status == 503) << r.body;
  }
  std::printf("--redis-wait=0: %d of 20 first requests answered 503\n",
              unavailable);
}

TEST_F(Ready, StatusAndHealthNeverWait) {
  int port = FreePort();
  auto d = Daemon::Start(
      *redis_, {.flags = {"--http-addr=127.0.0.1:" + std::to_string(port),
                          "--task-mode=false", "--redis-wait=30"}});
  ASSERT_TRUE(d->WaitReady()) << d->LogTail();
  redis_->Stop();
  ASSERT_TRUE(WaitFor(
      [&] {
        return HttpRequest(port, "GET", "/").body.find("\"connected\":false") !=
               std::string::npos;
      },
      10));
  double t0 = NowSeconds();
  EXPECT_EQ(HttpRequest(port, "GET", "/healthz").status, 503);
  EXPECT_EQ(HttpRequest(port, "GET", "/").status, 200);
  EXPECT_LT(NowSeconds() - t0, 5) << "GET / and /healthz waited for Redis";
  // A request that needs Redis waits, and is answered once Redis is back.
  redis_->Restart();
  HttpResponse r = Form(port, "/channels/default/tasks", "task=true");
  EXPECT_EQ(r.status, 200) << r.body;
}

}  // namespace
}  // namespace coyotes::testing
