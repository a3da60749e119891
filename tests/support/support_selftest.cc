// Tests of the test-support library itself: WaitFor, RedisServer and
// RedisConn against a real redis-server, the HTTP client against a tiny
// in-test server, and Daemon's process handling with a shell script standing
// in for the daemon (the real binary may not be built yet).
#include <arpa/inet.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/daemon.h"
#include "support/http_client.h"
#include "support/redis_cluster.h"
#include "support/redis_server.h"
#include "support/wait.h"

namespace coyotes::testing {
namespace {

// Options built field by field: designated initializers that leave fields
// out trip -Wmissing-field-initializers under -Wextra.
RedisServerOptions WithPassword(const std::string& password) {
  RedisServerOptions options;
  options.password = password;
  return options;
}

DaemonOptions Opts(const std::string& binary,
                   std::vector<std::string> flags = {},
                   bool own_process_group = true) {
  DaemonOptions options;
  options.binary = binary;
  options.flags = std::move(flags);
  options.own_process_group = own_process_group;
  return options;
}

// ---------------------------------------------------------------------------
// WaitFor

TEST(WaitForTest, ReturnsTrueAsSoonAsTheConditionHolds) {
  int calls = 0;
  const double start = NowSeconds();
  EXPECT_TRUE(WaitFor([&] { return ++calls == 3; }, 5));
  EXPECT_EQ(calls, 3);
  EXPECT_LT(NowSeconds() - start, 1.0);
}

TEST(WaitForTest, ReturnsFalseAfterTheTimeout) {
  const double start = NowSeconds();
  EXPECT_FALSE(WaitFor([] { return false; }, 0.1));
  EXPECT_GE(NowSeconds() - start, 0.1);
  EXPECT_LT(NowSeconds() - start, 2.0);
}

// ---------------------------------------------------------------------------
// RedisServer and RedisConn

bool ProcessGone(pid_t pid) {
  // Gone, or a zombie of some other parent (init may be slow to reap).
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return true;
  std::string text;
  std::getline(in, text);
  const size_t close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() &&
         text[close + 2] == 'Z';
}

TEST(RedisServerTest, StartsOnLoopbackAndAnswersPing) {
  auto redis = RedisServer::Start();
  EXPECT_GT(redis->port(), 0);
  EXPECT_EQ(redis->addr(), "127.0.0.1:" + std::to_string(redis->port()));
  EXPECT_TRUE(std::filesystem::is_directory(redis->dir()));
  EXPECT_NE(redis->dir().find("coyotes-test-"), std::string::npos);
  auto conn = redis->Connect();
  EXPECT_TRUE(conn->ok());
  EXPECT_EQ(conn->Cmd({"PING"}), "PONG");
  EXPECT_EQ(conn->Cmd({"CONFIG", "GET", "appendfsync"}), "appendfsync\nalways");
  EXPECT_EQ(conn->Cmd({"CONFIG", "GET", "save"}), "save\n");
}

TEST(RedisServerTest, TwoServersGetDifferentPortsAndDirs) {
  auto a = RedisServer::Start();
  auto b = RedisServer::Start();
  EXPECT_NE(a->port(), b->port());
  EXPECT_NE(a->dir(), b->dir());
  a->Connect()->Cmd({"SET", "k", "a"});
  EXPECT_EQ(b->Connect()->Cmd({"GET", "k"}), "(nil)");
}

TEST(RedisServerTest, CmdConvertsEveryReplyType) {
  auto redis = RedisServer::Start();
  auto conn = redis->Connect();
  EXPECT_EQ(conn->Cmd({"SET", "key", "va\nlue"}), "OK");
  EXPECT_EQ(conn->Cmd({"GET", "key"}), "va\nlue");
  EXPECT_EQ(conn->Cmd({"GET", "missing"}), "(nil)");
  EXPECT_EQ(conn->Cmd({"INCRBY", "n", "41"}), "41");
  EXPECT_EQ(conn->Cmd({"RPUSH", "l", "a", "b", "c"}), "3");
  EXPECT_EQ(conn->Cmd({"LRANGE", "l", "0", "-1"}), "a\nb\nc");
  EXPECT_EQ(conn->Cmd({"LRANGE", "nothing", "0", "-1"}), "");
  const std::string err = conn->Cmd({"LPUSH", "key", "x"});
  EXPECT_EQ(err.rfind("ERR:WRONGTYPE", 0), 0u) << err;
  EXPECT_EQ(conn->Cmd({"NOSUCHCOMMAND"}).rfind("ERR:ERR unknown", 0), 0u);
  // Binary-safe arguments.
  const std::string binary("a\0b", 3);
  EXPECT_EQ(conn->Cmd({"SET", binary, binary}), "OK");
  EXPECT_EQ(conn->Cmd({"GET", binary}), binary);
}

TEST(RedisServerTest, IntAndListHelpers) {
  auto redis = RedisServer::Start();
  auto conn = redis->Connect();
  EXPECT_EQ(conn->Int({"INCR", "n"}), 1);
  EXPECT_EQ(conn->Int({"GET", "n"}), 1);
  EXPECT_EQ(conn->Int({"HGET", "stats", "dealt"}), 0);
  EXPECT_EQ(conn->LLen("l"), 0);
  conn->Cmd({"RPUSH", "l", "x", "y"});
  EXPECT_EQ(conn->LLen("l"), 2);
  EXPECT_EQ(conn->List({"LRANGE", "l", "0", "-1"}),
            (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(conn->List({"BLPOP", "empty", "0.01"}), std::vector<std::string>{});
  conn->Cmd({"HSET", "h", "f", "v"});
  EXPECT_EQ(conn->List({"HGETALL", "h"}), (std::vector<std::string>{"f", "v"}));
}

TEST(RedisServerTest, IntOnANonIntegerIsATestFailure) {
  auto redis = RedisServer::Start();
  auto conn = redis->Connect();
  conn->Cmd({"SET", "s", "text"});
  EXPECT_NONFATAL_FAILURE(conn->Int({"GET", "s"}), "not an integer");
}

TEST(RedisServerTest, PasswordIsRequiredAndUsedByConnect) {
  auto redis = RedisServer::Start(WithPassword("s3cret"));
  EXPECT_EQ(redis->password(), "s3cret");
  EXPECT_EQ(redis->Connect()->Cmd({"PING"}), "PONG");
  // A connection without the password is refused.
  auto anonymous = RedisConn::Open(redis->port());
  EXPECT_EQ(anonymous->Cmd({"GET", "x"}).rfind("ERR:NOAUTH", 0), 0u);
}

TEST(RedisServerTest, RestartKeepsDataOnTheSamePort) {
  auto redis = RedisServer::Start();
  const int port = redis->port();
  const pid_t old_pid = redis->pid();
  redis->Connect()->Cmd({"SET", "k", "v"});
  redis->Connect()->Cmd({"RPUSH", "q", "1", "2"});
  redis->Restart();
  EXPECT_EQ(redis->port(), port);
  EXPECT_NE(redis->pid(), old_pid);
  EXPECT_TRUE(ProcessGone(old_pid));
  auto conn = redis->Connect();
  EXPECT_EQ(conn->Cmd({"GET", "k"}), "v");
  EXPECT_EQ(conn->LLen("q"), 2);
}

TEST(RedisServerTest, KillThenRestartKeepsFsyncedData) {
  auto redis = RedisServer::Start();
  redis->Connect()->Cmd({"SET", "k", "v"});
  redis->Kill();
  EXPECT_FALSE(redis->running());
  redis->Restart();
  EXPECT_EQ(redis->Connect()->Cmd({"GET", "k"}), "v");
}

TEST(RedisServerTest, WithoutAppendonlyRestartLosesData) {
  RedisServerOptions options;
  options.appendonly = false;
  auto redis = RedisServer::Start(options);
  redis->Connect()->Cmd({"SET", "k", "v"});
  redis->Restart();
  EXPECT_EQ(redis->Connect()->Cmd({"GET", "k"}), "(nil)");
}

TEST(RedisServerTest, ConnectionSeesTheServerGoAway) {
  auto redis = RedisServer::Start();
  auto conn = redis->Connect();
  redis->Stop();
  EXPECT_EQ(conn->Cmd({"PING"}).rfind("ERR:io", 0), 0u);
  EXPECT_FALSE(conn->ok());
  redis->Stop();  // again: no-op
}

TEST(RedisServerTest, PipelineLPushTenThousand) {
  auto redis = RedisServer::Start();
  auto conn = redis->Connect();
  std::vector<std::string> values;
  for (int i = 0; i < 10000; ++i) values.push_back("item-" + std::to_string(i));
  const double start = NowSeconds();
  conn->PipelineLPush("task:prepare:queue", values);
  EXPECT_LT(NowSeconds() - start, 10.0);
  EXPECT_EQ(conn->LLen("task:prepare:queue"), 10000);
  // Same order as one LPUSH per value: the last value is at the head.
  EXPECT_EQ(conn->Cmd({"LINDEX", "task:prepare:queue", "0"}), "item-9999");
  EXPECT_EQ(conn->Cmd({"LINDEX", "task:prepare:queue", "-1"}), "item-0");
  // Odd batch sizes work too.
  conn->PipelineLPush("other", {"a", "b", "c"}, 2);
  EXPECT_EQ(conn->List({"LRANGE", "other", "0", "-1"}),
            (std::vector<std::string>{"c", "b", "a"}));
}

TEST(RedisServerTest, DestructorStopsReapsAndRemovesTheDirectory) {
  std::string dir;
  pid_t pid = -1;
  {
    auto redis = RedisServer::Start();
    dir = redis->dir();
    pid = redis->pid();
    ASSERT_TRUE(std::filesystem::exists(dir + "/redis.log"));
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, WNOHANG), -1);  // not our child any more
  EXPECT_EQ(errno, ECHILD);
}

// ---------------------------------------------------------------------------
// RedisCluster

bool Contains(const std::vector<int>& items, int item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

std::string Role(RedisServer& node) {
  const std::string info = node.Connect()->Cmd({"INFO", "replication"});
  const size_t at = info.find("role:");
  if (at == std::string::npos) return "";
  return info.substr(at + 5, info.find('\r', at) - (at + 5));
}

// A GET that follows MOVED and ASK redirections, as a cluster client does.
std::string ClusterGet(RedisCluster& cluster, int node,
                       const std::string& key) {
  bool asking = false;
  for (int hop = 0; hop < 5; ++hop) {
    auto conn = cluster.node(static_cast<size_t>(node)).Connect();
    if (asking) conn->Cmd({"ASKING"});
    const std::string reply = conn->Cmd({"GET", key});
    const bool moved = reply.rfind("ERR:MOVED ", 0) == 0;
    asking = reply.rfind("ERR:ASK ", 0) == 0;
    if (!moved && !asking) return reply;
    node = cluster.IndexOfPort(std::atoi(reply.c_str() + reply.rfind(':') + 1));
    if (node < 0) return "bad redirection: " + reply;
  }
  return "too many redirections";
}

int MillisecondsSince(double start) {
  return static_cast<int>((NowSeconds() - start) * 1000);
}

TEST(RedisClusterSelftest, StartsKillsFailsOverReshards) {
  double start = NowSeconds();
  auto cluster = RedisCluster::Start();
  RecordProperty("start_ms", MillisecondsSince(start));
  ASSERT_EQ(cluster->size(), 6u);
  ASSERT_EQ(cluster->seeds().size(), 6u);
  EXPECT_EQ(cluster->seeds()[1], cluster->node(1).addr());
  for (size_t i = 0; i < cluster->size(); ++i) {
    RedisServer& node = cluster->node(i);
    EXPECT_TRUE(std::filesystem::exists(node.dir() + "/nodes.conf")) << i;
    // The bus listens on port + 10000.
    const std::string me =
        node.addr() + "@" + std::to_string(node.port() + 10000);
    EXPECT_NE(node.Connect()->Cmd({"CLUSTER", "NODES"}).find(me),
              std::string::npos)
        << i;
    EXPECT_EQ(cluster->NodeId(static_cast<int>(i)).size(), 40u);
    EXPECT_EQ(cluster->IndexOfPort(node.port()), static_cast<int>(i));
  }
  const std::vector<int> masters = cluster->Masters();
  ASSERT_EQ(masters.size(), 3u);
  for (int m : masters) {
    EXPECT_EQ(Role(cluster->node(static_cast<size_t>(m))), "master");
    const std::vector<int> replicas = cluster->ReplicasOf(m);
    ASSERT_EQ(replicas.size(), 1u) << m;
    EXPECT_EQ(Role(cluster->node(static_cast<size_t>(replicas[0]))), "slave");
  }
  EXPECT_EQ(cluster->Unsettled(), "");

  // A key, written through the master of its slot; other masters redirect.
  const int slot = cluster->KeySlot("foo");
  EXPECT_EQ(slot, 12182);  // the slot the Redis Cluster spec gives "foo"
  const int owner = cluster->MasterOfSlot(slot);
  ASSERT_TRUE(Contains(masters, owner)) << owner;
  auto conn = cluster->node(static_cast<size_t>(owner)).Connect();
  EXPECT_EQ(conn->Cmd({"SET", "foo", "bar"}), "OK");
  EXPECT_EQ(conn->Cmd({"WAIT", "1", "5000"}), "1");  // on the replica too
  const int other = masters[0] != owner ? masters[0] : masters[1];
  EXPECT_EQ(
      cluster->node(static_cast<size_t>(other)).Connect()->Cmd({"GET", "foo"}),
      "ERR:MOVED 12182 " + cluster->node(static_cast<size_t>(owner)).addr());
  EXPECT_EQ(ClusterGet(*cluster, other, "foo"), "bar");

  // 100 slots from the master of slot 0 to another master.
  const std::vector<int> before = cluster->SlotOwners();
  ASSERT_EQ(before.size(), static_cast<size_t>(RedisCluster::kSlots));
  const int from = before[0];
  const int to = from != owner ? owner : other;
  ASSERT_TRUE(Contains(masters, from));
  start = NowSeconds();
  ASSERT_EQ(cluster->Reshard(from, to, 100), 0)
      << cluster->last_reshard_output();
  RecordProperty("reshard_ms", MillisecondsSince(start));
  const std::vector<int> after = cluster->SlotOwners();
  int moved = 0;
  for (int s = 0; s < RedisCluster::kSlots; ++s) {
    const size_t i = static_cast<size_t>(s);
    if (after[i] == before[i]) continue;
    ++moved;
    EXPECT_EQ(before[i], from) << s;
    EXPECT_EQ(after[i], to) << s;
  }
  EXPECT_EQ(moved, 100);
  EXPECT_EQ(cluster->Unsettled(), "");
  EXPECT_EQ(ClusterGet(*cluster, from, "foo"), "bar");

  // Kill the master of "foo": its replica takes over, with the data.
  const int foo_master = cluster->MasterOfSlot(slot);
  const std::vector<int> foo_replicas = cluster->ReplicasOf(foo_master);
  ASSERT_EQ(foo_replicas.size(), 1u);
  start = NowSeconds();
  const int promoted = cluster->KillMasterAndWaitFailover(foo_master);
  RecordProperty("failover_ms", MillisecondsSince(start));
  ASSERT_EQ(promoted, foo_replicas[0]);
  EXPECT_FALSE(cluster->node(static_cast<size_t>(foo_master)).running());
  EXPECT_EQ(Role(cluster->node(static_cast<size_t>(promoted))), "master");
  EXPECT_EQ(cluster->MasterOfSlot(slot), promoted);
  const std::vector<int> masters_now = cluster->Masters();
  EXPECT_TRUE(Contains(masters_now, promoted));
  EXPECT_FALSE(Contains(masters_now, foo_master));
  EXPECT_TRUE(cluster->ReplicasOf(promoted).empty());
  for (size_t i = 0; i < cluster->size(); ++i) {
    if (!cluster->node(i).running()) continue;
    EXPECT_NE(cluster->node(i)
                  .Connect()
                  ->Cmd({"CLUSTER", "INFO"})
                  .find("cluster_state:ok"),
              std::string::npos)
        << i;
  }
  EXPECT_EQ(ClusterGet(*cluster, promoted, "foo"), "bar");

  // The old master comes back (same port, same nodes.conf) as a replica.
  start = NowSeconds();
  cluster->node(static_cast<size_t>(foo_master)).Restart();
  EXPECT_TRUE(WaitFor(
      [&] {
        return cluster->ReplicasOf(promoted) == std::vector<int>{foo_master} &&
               cluster->Unsettled().empty();
      },
      30, 0.05))
      << cluster->Unsettled() << "\n"
      << cluster->Describe();
  RecordProperty("rejoin_ms", MillisecondsSince(start));
  EXPECT_EQ(Role(cluster->node(static_cast<size_t>(foo_master))), "slave");
}

TEST(RedisClusterSelftest, AsyncReshardLetsTheTestWorkMeanwhile) {
  auto cluster = RedisCluster::Start();
  const std::vector<int> before = cluster->SlotOwners();
  const int from = before[0];
  const int to = before[RedisCluster::kSlots - 1];
  ASSERT_NE(from, to);
  // Keys in many slots, among them slots about to move.
  std::map<int, std::unique_ptr<RedisConn>> conns;
  for (int m : cluster->Masters()) {
    conns[m] = cluster->node(static_cast<size_t>(m)).Connect();
  }
  constexpr int kKeys = 300;
  for (int k = 0; k < kKeys; ++k) {
    const std::string key = "key:" + std::to_string(k);
    const int owner = before[static_cast<size_t>(cluster->KeySlot(key))];
    ASSERT_EQ(conns[owner]->Cmd({"SET", key, std::to_string(k)}), "OK");
  }

  const double start = NowSeconds();
  const pid_t pid = cluster->StartReshard(from, to, 500);
  ASSERT_GT(pid, 0);
  // Meanwhile every key stays readable, through redirections, pass after
  // pass until the last slot has moved.
  const long long moved_all =
      std::count(before.begin(), before.end(), to) + 500;
  int passes = 0;
  bool moving = true;
  while (moving && NowSeconds() - start < 60) {
    ++passes;
    for (int k = 0; k < kKeys; ++k) {
      const std::string key = "key:" + std::to_string(k);
      ASSERT_EQ(ClusterGet(*cluster, from, key), std::to_string(k)) << key;
    }
    const std::vector<int> owners = cluster->SlotOwners();
    moving = std::count(owners.begin(), owners.end(), to) < moved_all;
  }
  RecordProperty("passes_during_reshard", passes);
  ASSERT_EQ(cluster->WaitReshard(pid), 0) << cluster->last_reshard_output();
  RecordProperty("reshard_ms", MillisecondsSince(start));
  EXPECT_NE(cluster->last_reshard_output().find("Moving slot"),
            std::string::npos);

  const std::vector<int> after = cluster->SlotOwners();
  EXPECT_EQ(std::count(after.begin(), after.end(), to), moved_all);
  for (int k = 0; k < kKeys; ++k) {
    const std::string key = "key:" + std::to_string(k);
    const int owner = after[static_cast<size_t>(cluster->KeySlot(key))];
    EXPECT_EQ(
        cluster->node(static_cast<size_t>(owner)).Connect()->Cmd({"GET", key}),
        std::to_string(k))
        << key;
  }
}

// ---------------------------------------------------------------------------
// HTTP client, against a one-thread server that records the requests and
// answers each with a canned reply, sent in pieces.

using Replies = std::vector<std::vector<std::string>>;

class TinyHttpServer {
 public:
  // `replies`: for each connection, the pieces to send before closing. An
  // empty vector: accept, read, and never answer (until the destructor).
  explicit TinyHttpServer(Replies replies) : replies_(std::move(replies)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr;
    std::memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(fd_, 8) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "listen: " << std::strerror(errno);
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~TinyHttpServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);  // wakes accept()
    thread_.join();
    close(fd_);
  }

  int port() const { return port_; }

  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  static std::string ReadRequest(int conn) {
    std::string data;
    char buf[4096];
    for (;;) {
      const size_t head_end = data.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        size_t length = 0;
        const size_t cl = data.find("Content-Length: ");
        if (cl != std::string::npos && cl < head_end) {
          length = std::stoul(data.substr(cl + 16));
        }
        if (data.size() >= head_end + 4 + length) return data;
      }
      const ssize_t n = recv(conn, buf, sizeof(buf), 0);
      if (n <= 0) return data;
      data.append(buf, static_cast<size_t>(n));
    }
  }

  void Serve() {
    for (const std::vector<std::string>& pieces : replies_) {
      const int conn = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) return;
      const std::string request = ReadRequest(conn);
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(request);
      }
      if (pieces.empty()) {
        // Hold the connection open until the test is over.
        while (!stop_)
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      for (const std::string& piece : pieces) {
        send(conn, piece.data(), piece.size(), MSG_NOSIGNAL);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      close(conn);
    }
  }

  Replies replies_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> requests_;
};

TEST(HttpClientTest, SendsTheRequestAndParsesAContentLengthResponse) {
  TinyHttpServer server(Replies{{"HTTP/1.1 201 Created\r\nContent-Type: applic",
                                 "ation/json\r\nX-Multi: a\r\nx-multi: b\r\n"
                                 "Content-Length: 11\r\n\r\n{\"ok\":",
                                 "true}"}});
  HttpResponse r = HttpRequest(server.port(), "POST", "/tasks?x=1", "a=b",
                               {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(r.headers["x-multi"], "a, b");
  EXPECT_EQ(r.body, "{\"ok\":true}");
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0],
            "POST /tasks?x=1 HTTP/1.1\r\n"
            "Host: 127.0.0.1:" +
                std::to_string(server.port()) +
                "\r\n"
                "Content-Type: text/plain\r\n"
                "Content-Length: 3\r\n"
                "Connection: close\r\n\r\n"
                "a=b");
}

TEST(HttpClientTest, PostWithoutBodySendsContentLengthZeroAndGetNone) {
  TinyHttpServer server(
      Replies{{"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
              {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"}});
  EXPECT_EQ(HttpRequest(server.port(), "POST", "/a").status, 200);
  EXPECT_EQ(
      HttpRequest(server.port(), "GET", "/b", "", {{"host", "example"}}).status,
      200);
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_NE(server.requests()[0].find("Content-Length: 0\r\n"),
            std::string::npos);
  EXPECT_EQ(server.requests()[1],
            "GET /b HTTP/1.1\r\nhost: example\r\nConnection: close\r\n\r\n");
}

TEST(HttpClientTest, DecodesChunkedBodies) {
  TinyHttpServer server(
      Replies{{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
               "\r\n5\r\nhel",
               "lo\r\n7;ext=1\r\n, world\r\n0\r\n", "X-Trailer: 1\r\n\r\n"}});
  HttpResponse r = HttpRequest(server.port(), "GET", "/");
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello, world");
}

TEST(HttpClientTest, ReadsUntilCloseWithoutFraming) {
  TinyHttpServer server(
      Replies{{"HTTP/1.0 404 Not Found\r\n\r\nno ", "such thing"}});
  HttpResponse r = HttpRequest(server.port(), "GET", "/x");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "no such thing");
}

TEST(HttpClientTest, HeadResponsesAndInterimResponsesHaveNoBody) {
  TinyHttpServer server(Replies{
      {"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"},
      {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"}});
  HttpResponse head = HttpRequest(server.port(), "HEAD", "/");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.headers["content-length"], "99");
  EXPECT_EQ(head.body, "");
  HttpResponse r = HttpRaw(server.port(), "PUT /x HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(server.requests().at(1), "PUT /x HTTP/1.1\r\n\r\n");
}

TEST(HttpClientTest, TruncatedResponseIsStatusZero) {
  TinyHttpServer server(
      Replies{{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"}});
  HttpResponse r = HttpRequest(server.port(), "GET", "/");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("closed"), std::string::npos) << r.error;
}

TEST(HttpClientTest, ConnectFailureIsStatusZero) {
  // A port that was free a moment ago, with nobody listening.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  HttpResponse r = HttpRequest(ntohs(addr.sin_port), "GET", "/");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("connect"), std::string::npos) << r.error;
}

TEST(HttpClientTest, SilentServerTimesOut) {
  TinyHttpServer server(Replies(1));
  const double start = NowSeconds();
  HttpResponse r = HttpRequest(server.port(), "GET", "/", "", {}, 0.2);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("timeout"), std::string::npos) << r.error;
  EXPECT_LT(NowSeconds() - start, 5.0);
}

TEST(UrlEncodeTest, KeepsUnreservedAndEncodesTheRest) {
  EXPECT_EQ(UrlEncode("aZ09-_.~"), "aZ09-_.~");
  EXPECT_EQ(UrlEncode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(UrlEncode(std::string("\0\xff", 2)), "%00%FF");
  EXPECT_EQ(UrlEncode(""), "");
}

// ---------------------------------------------------------------------------
// Daemon, with shell scripts in place of the binary.

class FakeDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = RedisServer::Start();
    dir_ = internal::MakeTempDir();
  }
  void TearDown() override { internal::RemoveTempDir(dir_); }

  std::string Script(const std::string& name, const std::string& body) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    chmod(path.c_str(), 0755);
    return path;
  }

  // Logs its arguments and stdin, starts two "workers", says ready, and
  // exits 0 on SIGTERM after stopping them.
  std::string FakeDaemon() {
    return Script("fake-coyotes",
                  "echo \"args: $*\"\n"
                  "echo \"stdin: $(readlink /proc/$$/fd/0)\"\n"
                  "sleep 300 & a=$!\n"
                  "sleep 300 & b=$!\n"
                  "trap 'echo got TERM; kill $a $b; exit 0' TERM\n"
                  "echo \"I0101 00:00:00.000 1 master: coyotes ready pid=$$ "
                  "http=127.0.0.1:45678 redis=x channels=1 workers=2\"\n"
                  "wait $a $b\n");
  }

  std::unique_ptr<RedisServer> redis_;
  std::string dir_;
};

TEST_F(FakeDaemonTest, StartsWithDefaultsThenFlagsAndFindsTheReadyLine) {
  auto daemon = Daemon::Start(*redis_, Opts(FakeDaemon(), {"--concurrent=2"}));
  ASSERT_TRUE(daemon->WaitReady()) << daemon->LogTail();
  EXPECT_EQ(daemon->http_port(), 45678);
  EXPECT_TRUE(daemon->running());
  const std::string log = daemon->log();
  EXPECT_NE(log.find("args: --redis-host=" + redis_->addr() +
                     " --pidfile=" + daemon->dir() +
                     "/coyotes.pid --http-addr=127.0.0.1:0 "
                     "--concurrent=2\n"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("stdin: /dev/null\n"), std::string::npos) << log;
  EXPECT_EQ(daemon->pidfile(), daemon->dir() + "/coyotes.pid");
  EXPECT_EQ(getpgid(daemon->pid()), daemon->pid());
  EXPECT_TRUE(WaitFor([&] { return daemon->WorkerPids().size() == 2; }, 10));

  daemon->Signal(SIGTERM);
  std::optional<int> status = daemon->WaitExit(10);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_FALSE(daemon->running());
  EXPECT_TRUE(daemon->WaitLog("got TERM", 1));
  EXPECT_TRUE(daemon->WorkerPids().empty());
  EXPECT_EQ(daemon->WaitExit(0), status);  // the same status again
}

TEST_F(FakeDaemonTest, PasswordIsPassedOn) {
  auto redis = RedisServer::Start(WithPassword("pw"));
  auto daemon = Daemon::Start(*redis, Opts(FakeDaemon()));
  ASSERT_TRUE(daemon->WaitReady());
  EXPECT_NE(daemon->log().find(" --redis-password=pw"), std::string::npos);
}

TEST_F(FakeDaemonTest, SignalGroupReachesTheWorkers) {
  auto daemon =
      Daemon::Start(*redis_, Opts(Script("group",
                                         "trap '' TERM\n"
                                         "sleep 300 &\n"
                                         "echo coyotes ready http=h:1\n"
                                         "wait\n")));
  ASSERT_TRUE(daemon->WaitReady());
  std::vector<pid_t> workers;
  ASSERT_TRUE(WaitFor(
      [&] {
        workers = daemon->WorkerPids();
        return workers.size() == 1;
      },
      10));
  // The shell ignores TERM, but its child was started with TERM ignored too
  // (sh semantics), so use KILL on the group.
  daemon->SignalGroup(SIGKILL);
  ASSERT_TRUE(daemon->WaitExit(10).has_value());
  EXPECT_TRUE(WIFSIGNALED(*daemon->exit_status()));
  EXPECT_TRUE(WaitFor([&] { return ProcessGone(workers[0]); }, 10));
}

TEST_F(FakeDaemonTest, WithoutOwnGroupSharesOurs) {
  auto daemon =
      Daemon::Start(*redis_, Opts(Script("plain",
                                         "echo coyotes ready http=h:2\n"
                                         "exec sleep 300\n"),
                                  {}, /*own_process_group=*/false));
  ASSERT_TRUE(daemon->WaitReady());
  EXPECT_EQ(daemon->http_port(), 2);
  EXPECT_EQ(getpgid(daemon->pid()), getpgrp());
}

TEST_F(FakeDaemonTest, WaitReadyFailsWhenTheProcessExits) {
  auto daemon = Daemon::Start(
      *redis_, Opts(Script("dies", "echo bad flag >&2\nexit 3\n")));
  const double start = NowSeconds();
  EXPECT_FALSE(daemon->WaitReady(10));
  EXPECT_LT(NowSeconds() - start, 5.0);
  std::optional<int> status = daemon->WaitExit(5);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(WEXITSTATUS(*status), 3);
  EXPECT_EQ(daemon->LogTail(), "bad flag\n");
}

TEST_F(FakeDaemonTest, ExecFailureIsReportedInTheLog) {
  auto daemon = Daemon::Start(*redis_, Opts(dir_ + "/does-not-exist"));
  EXPECT_FALSE(daemon->WaitReady(10));
  std::optional<int> status = daemon->WaitExit(5);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(WEXITSTATUS(*status), 127);
  EXPECT_NE(daemon->log().find("cannot exec"), std::string::npos);
}

TEST_F(FakeDaemonTest, DestructorKillsAStubbornDaemonAndItsChildren) {
  std::vector<pid_t> workers;
  std::string dir;
  {
    auto daemon =
        Daemon::Start(*redis_, Opts(Script("stubborn",
                                           "trap '' TERM\n"
                                           "sleep 300 &\n"
                                           "sleep 300 &\n"
                                           "echo coyotes ready http=h:3\n"
                                           "wait\n"),
                                    {}, /*own_process_group=*/false));
    ASSERT_TRUE(daemon->WaitReady());
    dir = daemon->dir();
    ASSERT_TRUE(WaitFor(
        [&] {
          workers = daemon->WorkerPids();
          return workers.size() == 2;
        },
        10));
  }
  for (pid_t worker : workers) {
    EXPECT_TRUE(WaitFor([&] { return ProcessGone(worker); }, 10)) << worker;
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
}

}  // namespace
}  // namespace coyotes::testing
