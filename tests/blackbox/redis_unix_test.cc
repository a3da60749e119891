// --redis-host=unix:PATH: the workers, the router and the master's HTTP
// path all reach Redis over its Unix socket, and follow it across a Redis
// restart as they do over TCP.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "blackbox/bb_util.h"
#include "support/http_client.h"

namespace coyotes::testing {
namespace {

class RedisUnix : public BlackBox {
 protected:
  bool AllExist(int n) {
    for (int i = 0; i < n; i++)
      if (!Exists(tmp_ / std::to_string(i))) return false;
    return true;
  }
};

TEST_F(RedisUnix, TasksAndHttpGoOverTheSocket) {
  // The fixture's TCP address stays on the command line before it: the
  // later flag wins, which CLIENT LIST below checks.
  auto d = StartDaemon(
      {"--redis-host=unix:" + redis_->socket_path(), "--concurrent=3"});
  const int n = 200;
  std::vector<std::string> items;
  for (int i = 0; i < n; i++)
    items.push_back(SeedItem("touch " + (tmp_ / std::to_string(i))));
  conn_->PipelineLPush("task:prepare:queue", items);

  HttpResponse post =
      HttpRequest(d->http_port(), "POST", "/channels/default",
                  "task=touch+" + (tmp_ / "http"),
                  {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(post.status, 200) << post.body;
  ASSERT_TRUE(WaitFor([&] { return AllExist(n) && Exists(tmp_ / "http"); }, 60))
      << d->LogTail();

  HttpResponse status = HttpRequest(d->http_port(), "GET", "/");
  EXPECT_NE(status.body.find("\"unix:" + redis_->socket_path() + "\""),
            std::string::npos)
      << status.body;

  // Every client of this daemon is on the socket, none on TCP.
  std::string clients = conn_->Cmd({"CLIENT", "LIST"});
  size_t unix_clients = 0;
  for (size_t at = 0; (at = clients.find(" addr=/", at)) != std::string::npos;
       at++)
    unix_clients++;
  // 3 workers, the master's connection and the router's.
  EXPECT_GE(unix_clients, 4u) << clients;
  size_t tcp_clients = 0;
  for (size_t at = 0;
       (at = clients.find(" addr=127.0.0.1:", at)) != std::string::npos; at++)
    tcp_clients++;
  EXPECT_EQ(tcp_clients, 1u) << "only this test's own connection: " << clients;
}

TEST_F(RedisUnix, FollowsARedisRestart) {
  auto d = StartDaemon(
      {"--redis-host=unix:" + redis_->socket_path(), "--concurrent=2"});
  Push("touch " + (tmp_ / "before"));
  ASSERT_TRUE(WaitFor([&] { return Exists(tmp_ / "before"); }, 15))
      << d->LogTail();
  conn_.reset();
  redis_->Restart();
  conn_ = redis_->Connect();
  Push("touch " + (tmp_ / "after"));
  ASSERT_TRUE(WaitFor([&] { return Exists(tmp_ / "after"); }, 30))
      << d->LogTail();
  // The master's connection is back too: HTTP submissions are accepted.
  HttpResponse post =
      HttpRequest(d->http_port(), "POST", "/channels/default",
                  "task=touch+" + (tmp_ / "http"),
                  {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(post.status, 200) << post.body;
  EXPECT_TRUE(WaitFor([&] { return Exists(tmp_ / "http"); }, 15));
}

TEST_F(RedisUnix, ASocketNobodyListensOnIsRetriedNotFatal) {
  // As with a TCP address: Redis may come up after the daemon.
  const std::string sock = tmp_ / "absent.sock";
  auto d = Daemon::Start(*redis_, {.flags = {"--redis-host=unix:" + sock}});
  // The log names the socket it cannot reach, and the daemon stays up.
  EXPECT_TRUE(WaitFor(
      [&] { return d->log().find("unix:" + sock) != std::string::npos; }, 10))
      << d->LogTail();
  EXPECT_TRUE(d->running()) << d->LogTail();
}

}  // namespace
}  // namespace coyotes::testing
