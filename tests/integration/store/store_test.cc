// Integration tests of the queue protocol against a real redis-server: the
// route script (as the router calls it), the worker's WorkerStore (claim,
// start, finish, requeue, heartbeat) over RedisClient, and the master's
// expired/recover scripts. See HACKING.md, "Delivery protocol".
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "daemon/flags.h"
#include "daemon/router.h"
#include "daemon/worker.h"
#include "store/redis_client.h"
#include "store/redis_keys.h"
#include "store/redis_store.h"
#include "store/scripts.h"
#include "support/redis_server.h"
#include "support/wait.h"
#include "task/task_codec.h"

namespace coyotes {
namespace {

using namespace coyotes::testing;

using Strings = std::vector<std::string>;

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

// A reply as strings: an array's elements (nested arrays flattened), or a
// scalar as one element.
Strings Flatten(const redisReply* r) {
  Strings out;
  if (r == nullptr) return out;
  if (r->type == REDIS_REPLY_ARRAY) {
    for (size_t i = 0; i < r->elements; i++) {
      Strings sub = Flatten(r->element[i]);
      out.insert(out.end(), sub.begin(), sub.end());
    }
  } else {
    out.push_back(ReplyString(r));
  }
  return out;
}

// Status or Result<T>: the Status, for the assertion macros below.
const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

#define ASSERT_OK(expr)                                   \
  do {                                                    \
    const auto& result_ = (expr);                         \
    ASSERT_TRUE(StatusOf(result_).ok())                   \
        << #expr << ": " << StatusOf(result_).ToString(); \
  } while (0)
#define EXPECT_OK(expr)                                   \
  do {                                                    \
    const auto& result_ = (expr);                         \
    EXPECT_TRUE(StatusOf(result_).ok())                   \
        << #expr << ": " << StatusOf(result_).ToString(); \
  } while (0)

using StartAnswer = WorkerStore::StartAnswer;

// Start's answer; an error is a test failure (and kDrop).
StartAnswer StartOf(WorkerStore* store, const std::string& item,
                    const std::string& id, int attempt, pid_t pgid,
                    uint64_t pstart) {
  Result<StartAnswer> r = store->Start(item, id, attempt, pgid, pstart);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r.value() : StartAnswer::kDrop;
}

// Whether Start answered "run it".
bool Started(WorkerStore* store, const std::string& item, const std::string& id,
             int attempt, pid_t pgid, uint64_t pstart) {
  return StartOf(store, item, id, attempt, pgid, pstart) == StartAnswer::kRun;
}

// Heartbeat's answer (true: the lease had been lost or is new).
bool HeartbeatLost(WorkerStore* store) {
  Result<bool> r = store->Heartbeat();
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() && r.value();
}

TaskSpec ShellTask(const std::string& id, const std::string& chan,
                   const std::string& command) {
  TaskSpec s;
  s.id = id;
  s.channel = chan;
  s.name = command;
  s.command = command;
  // Set, so that the route keeps it and the queue item is the one the
  // test encodes.
  s.due_ms = 1764806400000;
  return s;
}

struct RouteReply {
  std::string status;  // ok, full, duplicate, distinct
  long long created = -1;
};

class StoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = RedisServer::Start(); }
  static void TearDownTestSuite() { redis_.reset(); }

  void SetUp() override {
    conn_ = redis_->Connect();
    ASSERT_EQ(conn_->Cmd({"FLUSHALL"}), "OK");
    client_.emplace(NewClient());
  }

  static RedisTarget Target() {
    RedisTarget t;
    t.addr.host = "127.0.0.1";
    t.addr.port = redis_->port();
    return t;
  }

  static RedisClient NewClient() {
    Result<RedisClient> c = RedisClient::Connect(Target(), 5);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return std::move(c).value();
  }

  // Runs the route script as the router does (BuildRouteCall). With a payload,
  // it is first put where the router's BLMOVE would have put it: the router's
  // in-progress list.
  RouteReply Route(const RedisKeys& keys, const TaskSpec& spec,
                   const std::string& payload = "raw", int max_channels = 64,
                   const std::string& dead_letter = "{\"dl\":1}") {
    const std::string proc = keys.Proc(kRouter);
    if (!payload.empty()) conn_->Cmd({"LPUSH", proc, payload});
    Config config;
    config.max_channels = max_channels;
    RouteCall call = BuildRouteCall(keys, config, {Submission{spec, payload}},
                                    payload.empty() ? "" : proc);
    // The entry used when the channels are full: 6th of the task's fields,
    // after the 4 arguments of the batch.
    call.args[4 + 5] = dead_letter;
    Result<RedisReply> r = client_->Eval(kRouteScript, call.keys, call.args);
    RouteReply out;
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return out;
    const redisReply* rep = r.value().get();
    EXPECT_EQ(rep->type, REDIS_REPLY_ARRAY);
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) return out;
    out.status = ReplyString(rep->element[0]);
    out.created = rep->element[1]->integer;
    return out;
  }
  RouteReply Route(const TaskSpec& spec, const std::string& payload = "raw",
                   int max_channels = 64) {
    return Route(keys_, spec, payload, max_channels);
  }

  std::unique_ptr<WorkerStore> Store(const std::string& channel,
                                     const std::string& owner,
                                     const RedisKeys* keys = nullptr,
                                     int64_t lease_ms = 3000) {
    return std::make_unique<WorkerStore>(NewClient(), keys ? *keys : keys_,
                                         channel, owner, lease_ms);
  }

  std::string ClaimOne(WorkerStore* store) {
    Result<std::optional<std::string>> r = store->Claim(2);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || !r.value().has_value()) {
      ADD_FAILURE() << "nothing to claim";
      return "";
    }
    return *r.value();
  }

  // Routes `tasks` (channel biz) in order; kOwnerA claims and starts the
  // first (pgid 4242, start time 5). Sets *store and *item (its item).
  void StartFirstOf(const std::vector<TaskSpec>& tasks,
                    std::unique_ptr<WorkerStore>* store, std::string* item) {
    for (const auto& t : tasks) ASSERT_EQ(Route(t).status, "ok");
    *store = Store("biz", kOwnerA);
    *item = ClaimOne(store->get());
    ASSERT_EQ(*item, EncodeQueueItem(tasks[0]));
    ASSERT_TRUE(Started(store->get(), *item, tasks[0].id, 1, 4242, 5));
  }

  std::string Field(const std::string& id, const std::string& field,
                    const RedisKeys* keys = nullptr) {
    return conn_->Cmd({"HGET", (keys ? *keys : keys_).Task(id), field});
  }

  bool HasField(const std::string& id, const std::string& field) {
    return conn_->Int({"HEXISTS", keys_.Task(id), field}) == 1;
  }

  // Redis server time in milliseconds.
  long long RedisNowMs() {
    Strings t = conn_->List({"TIME"});
    if (t.size() != 2) return 0;
    return std::stoll(t[0]) * 1000 + std::stoll(t[1]) / 1000;
  }

  Strings Recover(const std::string& forced_owner = "",
                  const RedisKeys* keys = nullptr, int max_owners = 100) {
    const RedisKeys& k = keys ? *keys : keys_;
    Result<RedisReply> r =
        client_->Eval(kRecoverScript, {k.Leases(), k.Prepare()},
                      {k.prefix(), forced_owner, std::to_string(max_owners)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Flatten(r.value().get()) : Strings{"(error)"};
  }

  Strings Expired(int max_owners = 100) {
    Result<RedisReply> r =
        client_->Eval(kExpiredScript, {keys_.Leases()},
                      {keys_.prefix(), std::to_string(max_owners)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Flatten(r.value().get()) : Strings{"(error)"};
  }

  static TaskOutcome Exited(int code, std::string out = "",
                            std::string err = "") {
    TaskOutcome o;
    o.kind = TaskOutcome::Kind::kExited;
    o.exit_code = code;
    o.detail = "exited " + std::to_string(code);
    o.stdout_tail = std::move(out);
    o.stderr_tail = std::move(err);
    o.duration_ms = 15;
    return o;
  }

  static constexpr char kRouter[] = "router/testhost/1/r";
  static constexpr char kOwnerA[] = "worker/testhost/100/a";
  static constexpr char kOwnerB[] = "worker/testhost/200/b";
  static constexpr char kOwnerC[] = "worker/testhost/300/c";

  static inline std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<RedisConn> conn_;
  RedisKeys keys_{""};
  std::optional<RedisClient> client_;
};

// ---------------------------------------------------------------------------
// RedisKeys

TEST(RedisKeysTest, DefaultNamespaceKeepsTheOriginalPrepareKey) {
  RedisKeys k("");
  EXPECT_EQ(k.prefix(), "");
  EXPECT_EQ(k.Prepare(), "task:prepare:queue");
  EXPECT_EQ(k.Channels(), "coyotes:channels");
  EXPECT_EQ(k.Queue("biz"), "coyotes:queue:biz");
  EXPECT_EQ(k.Task("t1"), "coyotes:task:t1");
  EXPECT_EQ(k.Proc("w/1"), "coyotes:proc:w/1");
  EXPECT_EQ(k.Leases(), "coyotes:leases");
  EXPECT_EQ(k.Distinct("biz"), "coyotes:distinct:biz");
  EXPECT_EQ(k.DeadLetters(), "coyotes:dead-letters");
  EXPECT_EQ(k.Stats(), "coyotes:stats");
}

TEST(RedisKeysTest, NamespacePrefixesEverything) {
  RedisKeys k("ns");
  EXPECT_EQ(k.prefix(), "ns:");
  EXPECT_EQ(k.Prepare(), "ns:task:prepare:queue");
  for (const std::string& key :
       {k.Channels(), k.Queue("c"), k.Task("t"), k.Proc("o"), k.Leases(),
        k.Distinct("c"), k.DeadLetters(), k.Stats()}) {
    EXPECT_TRUE(StartsWith(key, "ns:coyotes:")) << key;
  }
}

// ---------------------------------------------------------------------------
// RedisClient

TEST_F(StoreTest, ClientCommandsAndErrors) {
  Result<RedisReply> r = client_->Command({"SET", "k", std::string("a\0b", 3)});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  r = client_->Command({"GET", "k"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string(r.value()->str, r.value()->len),
            std::string("a\0b", 3));
  r = client_->Command({"NOSUCHCOMMAND"});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().message().find("Redis: ") == 0)
      << r.status().message();
  Result<std::vector<RedisReply>> p =
      client_->Pipeline({{"INCR", "n"}, {"INCR", "n"}, {"GET", "n"}});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p.value().size(), 3u);
  EXPECT_EQ(ReplyString(p.value()[2].get()), "2");
  EXPECT_FALSE(client_->broken());
}

TEST_F(StoreTest, ConnectToClosedPortIsUnavailable) {
  RedisTarget t = Target();
  // A port nobody listens on: bound by us, never listened on.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  t.addr.port = ntohs(a.sin_port);
  Result<RedisClient> c = RedisClient::Connect(t, 2);
  close(fd);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(c.status().message().find(t.addr.ToString()), std::string::npos)
      << c.status().message();
}

TEST_F(StoreTest, EvalReloadsScriptsAfterScriptFlush) {
  auto store = Store("biz", kOwnerA);
  ASSERT_OK(store->Heartbeat());
  // As after a Redis restart: the server forgot every script.
  ASSERT_EQ(conn_->Cmd({"SCRIPT", "FLUSH"}), "OK");
  Result<bool> hb = store->Heartbeat();
  ASSERT_TRUE(hb.ok()) << hb.status().ToString();
  EXPECT_FALSE(hb.value());
}

TEST(RedisClientAuthTest, PasswordAndDatabase) {
  auto redis = RedisServer::Start({.password = "s3cret"});
  RedisTarget t;
  t.addr.host = "127.0.0.1";
  t.addr.port = redis->port();

  t.password = "wrong";
  Result<RedisClient> bad = RedisClient::Connect(t, 5);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kPermissionDenied)
      << bad.status().ToString();

  t.password = "";
  Result<RedisClient> none = RedisClient::Connect(t, 5);
  ASSERT_TRUE(none.ok()) << none.status().ToString();  // no AUTH sent yet
  Result<RedisReply> r = none->Command({"PING"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied)
      << r.status().ToString();

  t.password = "s3cret";
  t.db = 3;
  Result<RedisClient> good = RedisClient::Connect(t, 5);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  ASSERT_OK(good->Command({"SET", "in-db-3", "yes"}));
  auto conn = redis->Connect();
  EXPECT_EQ(conn->Cmd({"EXISTS", "in-db-3"}), "0");
  ASSERT_EQ(conn->Cmd({"SELECT", "3"}), "OK");
  EXPECT_EQ(conn->Cmd({"GET", "in-db-3"}), "yes");

  t.db = 100000;
  Result<RedisClient> bad_db = RedisClient::Connect(t, 5);
  ASSERT_FALSE(bad_db.ok());
  EXPECT_NE(bad_db.status().message().find("--redis-db"), std::string::npos)
      << bad_db.status().message();
}

// ---------------------------------------------------------------------------
// Route

TEST_F(StoreTest, RouteCreatesRecordQueueItemAndChannel) {
  const long long before = RedisNowMs();
  TaskSpec spec = ShellTask("t1", "biz", "echo hi");
  RouteReply r = Route(spec, R"({"task":"echo hi","chan":"biz"})");
  EXPECT_EQ(r.status, "ok");
  EXPECT_EQ(r.created, 1);

  const std::string item = EncodeQueueItem(spec);
  EXPECT_EQ(conn_->List({"LRANGE", keys_.Queue("biz"), "0", "-1"}),
            Strings{item});
  EXPECT_EQ(Field("t1", "state"), "queued");
  EXPECT_EQ(Field("t1", "item"), item);
  EXPECT_EQ(Field("t1", "attempts"), "0");
  EXPECT_EQ(Field("t1", "id"), "t1");
  EXPECT_EQ(Field("t1", "name"), "echo hi");
  EXPECT_EQ(Field("t1", "command"), "echo hi");
  EXPECT_EQ(Field("t1", "channel"), "biz");
  const long long created_at = std::stoll(Field("t1", "created_at"));
  EXPECT_GE(created_at, before);
  EXPECT_LE(created_at, RedisNowMs());
  EXPECT_EQ(conn_->Cmd({"HGET", keys_.Channels(), "biz"}),
            DefaultChannelSettings(Config{}));
  EXPECT_EQ(conn_->LLen(keys_.Proc(kRouter)), 0) << "payload not released";
  EXPECT_EQ(conn_->Int({"HGET", keys_.Stats(), "dealt"}), 1);
  EXPECT_EQ(conn_->LLen(keys_.DeadLetters()), 0);

  // A second task in the same channel: the channel exists already and new
  // items enter at the left (producer) end.
  TaskSpec spec2 = ShellTask("t2", "biz", "echo two");
  r = Route(spec2);
  EXPECT_EQ(r.status, "ok");
  EXPECT_EQ(r.created, 0);
  EXPECT_EQ(conn_->List({"LRANGE", keys_.Queue("biz"), "0", "-1"}),
            (Strings{EncodeQueueItem(spec2), item}));
  EXPECT_EQ(conn_->Int({"HGET", keys_.Stats(), "dealt"}), 2);
}

TEST_F(StoreTest, RouteKeepsExistingChannelSettings) {
  const std::string settings = R"({"distinct":false,"workers":2})";
  conn_->Cmd({"HSET", keys_.Channels(), "biz", settings});
  RouteReply r = Route(ShellTask("t1", "biz", "true"));
  EXPECT_EQ(r.status, "ok");
  EXPECT_EQ(r.created, 0);
  EXPECT_EQ(conn_->Cmd({"HGET", keys_.Channels(), "biz"}), settings);
}

TEST_F(StoreTest, RouteOverHttpHasNoPayloadToRelease) {
  conn_->Cmd({"LPUSH", keys_.Proc(kRouter), "someone else's"});
  RouteReply r = Route(ShellTask("h1", "web", "true"), /*payload=*/"");
  EXPECT_EQ(r.status, "ok");
  EXPECT_EQ(conn_->LLen(keys_.Queue("web")), 1);
  EXPECT_EQ(conn_->LLen(keys_.Proc(kRouter)), 1);
}

TEST_F(StoreTest, RouteDuplicateIdWhileQueuedOrRunning) {
  TaskSpec spec = ShellTask("dup", "biz", "echo 1");
  ASSERT_EQ(Route(spec).status, "ok");
  TaskSpec again = ShellTask("dup", "biz", "echo 2");
  RouteReply r = Route(again, "second payload");
  EXPECT_EQ(r.status, "duplicate");
  EXPECT_EQ(conn_->LLen(keys_.Queue("biz")), 1);
  EXPECT_EQ(Field("dup", "command"), "echo 1");
  EXPECT_EQ(conn_->LLen(keys_.Proc(kRouter)), 0);
  EXPECT_EQ(conn_->Int({"HGET", keys_.Stats(), "dealt"}), 1);

  // Running counts too.
  auto store = Store("biz", kOwnerA);
  const std::string item = ClaimOne(store.get());
  ASSERT_TRUE(Started(store.get(), item, "dup", 1, 4242, 1));
  EXPECT_EQ(Route(again).status, "duplicate");

  // Once finished, the id may be used again: the old record is replaced.
  ASSERT_OK(store->Finish(item, "dup", Exited(0, "old output"), 600));
  r = Route(again);
  EXPECT_EQ(r.status, "ok");
  EXPECT_EQ(Field("dup", "state"), "queued");
  EXPECT_EQ(Field("dup", "command"), "echo 2");
  EXPECT_FALSE(HasField("dup", "stdout"));
  EXPECT_FALSE(HasField("dup", "exit_code"));
  EXPECT_EQ(conn_->Int({"TTL", keys_.Task("dup")}), -1)
      << "a queued record must not expire";
}

TEST_F(StoreTest, DistinctChannelDropsSecondIdenticalCommand) {
  conn_->Cmd({"HSET", keys_.Channels(), "d", R"({"distinct":true})"});
  TaskSpec a = ShellTask("a", "d", "make report");
  TaskSpec b = ShellTask("b", "d", "make report");
  TaskSpec c = ShellTask("c", "d", "make other");
  ASSERT_EQ(Route(a).status, "ok");
  RouteReply r = Route(b, "payload b");
  EXPECT_EQ(r.status, "distinct");
  EXPECT_EQ(conn_->Int({"EXISTS", keys_.Task("b")}), 0);
  EXPECT_EQ(conn_->LLen(keys_.Proc(kRouter)), 0);
  EXPECT_EQ(Route(c).status, "ok");
  EXPECT_EQ(conn_->LLen(keys_.Queue("d")), 2);
  EXPECT_EQ(conn_->Int({"SCARD", keys_.Distinct("d")}), 2);

  // While it runs, it is still distinct.
  auto store = Store("d", kOwnerA);
  const std::string item = ClaimOne(store.get());
  ASSERT_EQ(item, EncodeQueueItem(a));
  ASSERT_TRUE(Started(store.get(), item, "a", 1, 4242, 1));
  EXPECT_EQ(Route(ShellTask("b2", "d", "make report")).status, "distinct");

  // After the first finishes, the same command can be queued again.
  ASSERT_OK(store->Finish(item, "a", Exited(0), 600));
  EXPECT_EQ(conn_->Int({"SCARD", keys_.Distinct("d")}), 1);
  EXPECT_EQ(Route(ShellTask("b3", "d", "make report")).status, "ok");
}

TEST_F(StoreTest, NonDistinctChannelQueuesIdenticalCommands) {
  ASSERT_EQ(Route(ShellTask("a", "n", "same")).status, "ok");
  ASSERT_EQ(Route(ShellTask("b", "n", "same")).status, "ok");
  EXPECT_EQ(conn_->LLen(keys_.Queue("n")), 2);
  EXPECT_EQ(conn_->Int({"EXISTS", keys_.Distinct("n")}), 0);
}

TEST_F(StoreTest, MaxChannelsFullGivesDeadLetter) {
  ASSERT_EQ(Route(ShellTask("t1", "a", "true"), "p1", 1).status, "ok");
  const std::string entry = R"({"reason":"full","payload":"p2"})";
  RouteReply r = Route(keys_, ShellTask("t2", "b", "true"), "p2", 1, entry);
  EXPECT_EQ(r.status, "full");
  EXPECT_EQ(r.created, 0);
  EXPECT_EQ(conn_->List({"LRANGE", keys_.DeadLetters(), "0", "-1"}),
            Strings{entry});
  EXPECT_EQ(conn_->Int({"HEXISTS", keys_.Channels(), "b"}), 0);
  EXPECT_EQ(conn_->Int({"EXISTS", keys_.Task("t2")}), 0);
  EXPECT_EQ(conn_->Int({"EXISTS", keys_.Queue("b")}), 0);
  EXPECT_EQ(conn_->LLen(keys_.Proc(kRouter)), 0);

  // The existing channel still takes tasks.
  EXPECT_EQ(Route(ShellTask("t3", "a", "true"), "p3", 1).status, "ok");
  // Over HTTP (no payload) the caller reports the refusal itself: no dead
  // letter.
  EXPECT_EQ(Route(ShellTask("t4", "c", "true"), "", 1).status, "full");
  EXPECT_EQ(conn_->LLen(keys_.DeadLetters()), 1);
}

TEST_F(StoreTest, DeadLetterScript) {
  const std::string proc = keys_.Proc(kRouter);
  conn_->Cmd({"LPUSH", proc, "not json"});
  Result<RedisReply> r =
      client_->Eval(kDeadLetterScript, {proc, keys_.DeadLetters()},
                    {"not json", R"({"reason":"not JSON"})"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(conn_->LLen(proc), 0);
  EXPECT_EQ(conn_->List({"LRANGE", keys_.DeadLetters(), "0", "-1"}),
            Strings{R"({"reason":"not JSON"})"});
}

// ---------------------------------------------------------------------------
// Claim, Start

TEST_F(StoreTest, ClaimMovesItemsInFifoOrder) {
  std::vector<std::string> items;
  for (const char* id : {"t1", "t2", "t3"}) {
    TaskSpec s = ShellTask(id, "biz", std::string("echo ") + id);
    ASSERT_EQ(Route(s).status, "ok");
    items.push_back(EncodeQueueItem(s));
  }
  auto store = Store("biz", kOwnerA);
  EXPECT_EQ(ClaimOne(store.get()), items[0]);
  EXPECT_EQ(conn_->List({"LRANGE", keys_.Proc(kOwnerA), "0", "-1"}),
            Strings{items[0]});
  EXPECT_EQ(conn_->LLen(keys_.Queue("biz")), 2);
  EXPECT_EQ(ClaimOne(store.get()), items[1]);
  EXPECT_EQ(ClaimOne(store.get()), items[2]);
  EXPECT_EQ(conn_->LLen(keys_.Queue("biz")), 0);
  EXPECT_EQ(conn_->LLen(keys_.Proc(kOwnerA)), 3);
}

TEST_F(StoreTest, ClaimOnEmptyQueueTimesOut) {
  auto store = Store("empty", kOwnerA);
  const double start = NowSeconds();
  Result<std::optional<std::string>> r = store->Claim(0.2);
  const double took = NowSeconds() - start;
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r.value().has_value());
  EXPECT_LT(took, 5);
  EXPECT_FALSE(store->broken());
  EXPECT_EQ(conn_->Int({"EXISTS", keys_.Proc(kOwnerA)}), 0);
}

TEST_F(StoreTest, ClaimBlocksUntilAnItemArrives) {
  auto store = Store("late", kOwnerA);
  std::optional<std::string> got;
  std::atomic<bool> done{false};
  std::thread t([&] {
    Result<std::optional<std::string>> r = store->Claim(4);
    if (r.ok()) got = r.value();
    done = true;
  });
  // Wait until the BLMOVE is really blocked in Redis, then feed it.
  const bool blocked = WaitFor(
      [&] {
        std::string info = conn_->Cmd({"INFO", "clients"});
        return info.find("blocked_clients:1") != std::string::npos;
      },
      3);
  conn_->Cmd({"LPUSH", keys_.Queue("late"), "ITEM"});
  t.join();
  ASSERT_TRUE(blocked);
  EXPECT_TRUE(done);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, "ITEM");
  EXPECT_EQ(conn_->List({"LRANGE", keys_.Proc(kOwnerA), "0", "-1"}),
            Strings{"ITEM"});
}

TEST_F(StoreTest, StartMarksRunning) {
  TaskSpec spec = ShellTask("t1", "biz", "sleep 1");
  ASSERT_EQ(Route(spec).status, "ok");
  // Fields of an earlier run that must not survive a new start.
  conn_->Cmd({"HSET", keys_.Task("t1"), "exit_code", "3", "reason", "old"});
  auto store = Store("biz", kOwnerA);
  const std::string item = ClaimOne(store.get());
  const long long before = RedisNowMs();
  Result<StartAnswer> r = store->Start(item, "t1", 2, 4242, 987654321ull);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value(), StartAnswer::kRun);
  EXPECT_EQ(Field("t1", "state"), "running");
  EXPECT_GE(std::stoll(Field("t1", "started_at")), before);
  EXPECT_EQ(Field("t1", "attempts"), "2");
  EXPECT_EQ(Field("t1", "worker"), HostName() + ":" + std::to_string(getpid()));
  EXPECT_EQ(Field("t1", "owner"), kOwnerA);
  EXPECT_EQ(Field("t1", "host"), HostName());
  EXPECT_EQ(Field("t1", "pgid"), "4242");
  EXPECT_EQ(Field("t1", "pstart"), "987654321");
  EXPECT_FALSE(HasField("t1", "exit_code"));
  EXPECT_FALSE(HasField("t1", "reason"));
  // The item stays in our in-progress list while the task runs.
  EXPECT_EQ(conn_->List({"LRANGE", keys_.Proc(kOwnerA), "0", "-1"}),
            Strings{item});
  // The channel's running set lists it, by start time.
  EXPECT_EQ(conn_->Cmd({"ZSCORE", keys_.Running("biz"), "t1"}),
            Field("t1", "started_at"));
  // Start renews the lease.
  const long long lease = conn_->Int({"ZSCORE", keys_.Leases(), kOwnerA});
  EXPECT_GT(lease, before);
}

TEST_F(StoreTest, StartRefusesACancelledTask) {
  ASSERT_EQ(Route(ShellTask("t1", "biz", "true")).status, "ok");
  auto store = Store("biz", kOwnerA);
  const std::string item = ClaimOne(store.get());
  conn_->Cmd({"HSET", keys_.Task("t1"), "state", "cancelled"});
  EXPECT_EQ(StartOf(store.get(), item, "t1", 1, 4242, 1), StartAnswer::kDrop);
  EXPECT_EQ(Field("t1", "state"), "cancelled");
  EXPECT_FALSE(HasField("t1", "pgid"));
  EXPECT_EQ(conn_->LLen(keys_.Proc(kOwnerA)), 0) << "item not dropped";
  EXPECT_EQ(conn_->Int({"EXISTS", keys_.Running("biz")}), 0);
}

// A cancel request is left for the worker to carry out: the record is
// written once the task has been stopped (see
// CancelBetweenClaimAndStartFinalizesTheRecord). A record that is gone
// makes the worker drop the item.
TEST_F(StoreTest, StartRefusesACancelRequestOrAMissingRecord) {
  ASSERT_EQ(Route(ShellTask("t1", "biz", "true")).status, "ok");
  ASSERT_EQ(Route(ShellTask("t2", "biz", "true")).status, "ok");
  auto store = Store("biz", kOwnerA);
  const std::string item1 = ClaimOne(store.get());
  conn_->Cmd({"HSET", keys_.Task("t1"), "cancel", "1"});
  EXPECT_EQ(StartOf(store.get(), item1, "t1", 1, 4242, 1),
            StartAnswer::kCancel);
  EXPECT_EQ(Field("t1", "state"), "queued");
  EXPECT_FALSE(HasField("t1", "pgid"));
  EXPECT_EQ(conn_->List({"LRANGE", keys_.Proc(kOwnerA), "0", "-1"}),
            Strings{item1});
  ASSERT_OK(store->Discard(item1));

  const std::string item2 = ClaimOne(store.get());
  conn_->Cmd({"DEL", keys_.Task("t2")});
  EXPECT_EQ(StartOf(store.get(), item2, "t2", 1, 4242, 1), StartAnswer::kDrop);
  EXPECT_EQ(conn_->Int({"EXISTS", keys_.Task("t2")}), 0)
      << "a record was resurrected";
  EXPECT_EQ(conn_->LLen(keys_.Proc(kOwnerA)), 0);
}

// ---------------------------------------------------------------------------
// Finish, Requeue, Discard

TEST_F(StoreTest, FinishRecordsSuccess) {
  ASSERT_EQ(Route(ShellTask("t1", "biz", "echo out")).status, "ok");
  auto store = Store("biz", kOwnerA);
  const std::string item = ClaimOne(store.get());
  ASSERT_TRUE(Started(store.get(), item, "t1", 1, 4242, 5));
  const std::string binary("a\0b\xff\n", 5);
  ASSERT_OK(store->Finish(item, "t1", Exited(0, binary, "warn\n"), 100));

  EXPECT_EQ(Field("t1", "state"), "succeeded");
  EXPECT_EQ(Field("t1", "exit_code"), "0");
  EXPECT_EQ(Field("t1", "stdout"), binary);
  EXPECT_EQ(Field("t1", "stderr"), "warn\n");
  EXPECT_EQ(Field("t1", "duration_ms"), "15");
  EXPECT_GE(std::stoll(Field("t1", "finished_at")),
            std::stoll(Field("t1", "started_at")));
  EXPECT_FALSE(HasField("t1", "reason"));
  EXPECT_FALSE(HasField("t1", "signal"));
  EXPECT_FALSE(HasField("t1", "pgid"));
  EXPECT_FALSE(HasField("t1", "pstart"));
  const long long ttl = conn_->Int({"TTL", keys_.Task("t1")});
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 100);
  EXPECT_EQ(conn_->LLen(keys_.Proc(kOwnerA)), 0);
  EXPECT_EQ(conn_->Int({"HGET", keys_.Stats(), "succeeded"}), 1);
  EXPECT_EQ(conn_->Int({"HGET", keys_.Stats(), "failed"}), 0);
  EXPECT_EQ(conn_->Int({"ZCARD", keys_.Running("biz")}), 0);
  EXPECT_EQ(conn_->Cmd({"ZSCORE", keys_.Leases(), kOwnerA}) == "(nil)", false);
}

TEST_F(StoreTest, FinishClaimsTheNextItemInTheSameStep) {
  TaskSpec t1 = ShellTask("t1", "biz", "one");
  TaskSpec t2 = ShellTask("t2", "biz", "two");
  std::unique_ptr<WorkerStore> store;
  std::string item;
  ASSERT_NO_FATAL_FAILURE(StartFirstOf({t1, t2}, &store, &item));

  std::optional<std::string> next;
  ASSERT_OK(store->Finish(item, "t1", Exited(0), 100, 1, 10000, 100, &next));
  EXPECT_EQ(Field("t1", "state"), "succeeded");
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(*next, EncodeQueueItem(t2));
  // Claimed exactly as a BLMOVE would have: only t2 in our list.
  EXPECT_EQ(conn_->LLen(keys_.Queue("biz")), 0);
  EXPECT_EQ(conn_->LLen(keys_.Proc(kOwnerA)), 1);
  EXPECT_EQ(conn_->Cmd({"LINDEX", keys_.Proc(kOwnerA), "0"}), *next);
  // The retry of a finish whose reply was lost claims nothing more (the
  // item that reply carried is in the list, found after reconnecting).
  ASSERT_EQ(Route(ShellTask("t3", "biz", "three")).status, "ok");
  std::optional<std::string> again;
  ASSERT_OK(store->Finish(item, "t1", Exited(0), 100, 1, 10000, 100, &again));
  EXPECT_FALSE(again.has_value());
  EXPECT_EQ(conn_->LLen(keys_.Proc(kOwnerA)), 1);
  EXPECT_EQ(conn_->LLen(keys_.Queue("biz")), 1);

  ASSERT_TRUE(Started(store.get(), *next, "t2", 1, 4243, 6));
  std::optional<std::string> third;
  ASSERT_OK(store->Finish(*next, "t2", Exited(0), 100, 1, 10000, 100, &third));
  ASSERT_TRUE(third.has_value());
  ASSERT_TRUE(Started(store.get(), *third, "t3", 1, 4244, 7));
  // An empty queue: nothing claimed, and the list is empty once t3 ends.
  std::optional<std::string> none;
  ASSERT_OK(store->Finish(*third, "t3", Exited(0), 100, 1, 10000, 100, &none));
  EXPECT_FALSE(none.has_value());
  EXPECT_EQ(conn_->LLen(keys_.Proc(kOwnerA)), 0);
}

// A task that ended before the worker recorded its start: the finish
// records both in one step.
TEST_F(StoreTest, FinishOfAnUnrecordedStartRecordsBoth) {
  TaskSpec t1 = ShellTask("t1", "biz", "one");
  TaskSpec t2 = ShellTask("t2", "biz", "two");
  for (const auto& t : {t1, t2}) ASSERT_EQ(Route(t).status, "ok");
  auto store = Store("biz", kOwnerA);
  const std::string item = ClaimOne(store.get());
  // A cancel that came after the claim finds the task done: it ran.
  conn_->Cmd({"HSET", keys_.Task("t1"), "cancel", "1"});
  const long long before = RedisNowMs();
  std::optional<std::string> next;
  ASSERT_OK(store->Finish(item, "t1", Exited(0), 100, 3, 10000, 100, &next,
                          /*started=*/false));
  EXPECT_EQ(Field("t1", "state"), "succeeded");
  const long long finished = std::stoll(Field("t1", "finished_at"));
  EXPECT_GE(finished, before);
  // Exited() ran 15 ms.
  EXPECT_EQ(std::stoll(Field("t1", "started_at")), finished - 15);
  EXPECT_EQ(Field("t1", "attempts"), "3");
  EXPECT_EQ(Field("t1", "worker"), HostName() + ":" + std::to_string(getpid()));
  EXPECT_EQ(Field("t1", "owner"), kOwnerA);
  EXPECT_EQ(Field("t1", "host"), HostName());
  EXPECT_FALSE(HasField("t1", "cancel"));
  EXPECT_FALSE(HasField("t1", "pgid"));
  EXPECT_NE(Field("t1", "history")
                .find("\"started_at\":" + std::to_string(finished - 15)),
            std::string::npos)
      << Field("t1", "history");
  EXPECT_EQ(conn_->Int({"HGET", keys_.Stats(), "succeeded"}), 1);
  EXPECT_EQ(conn_->Int({"EXISTS", keys_.Running("biz")}), 0);
  // The next item was claimed as usual.
  EXPECT_EQ(next, EncodeQueueItem(t2));
  EXPECT_EQ(conn_->List({"LRANGE", keys_.Proc(kOwnerA), "0", "-1"}),
            Strings{*next});
  // A retry after a lost reply finds it recorded.
  std::optional<std::string> again;
  ASSERT_OK(
      store->Finish(item, "t1", Exited(1), 100, 3, 10000, 100, &again, false));
  EXPECT_EQ(Field("t1", "state"), "succeeded");
  EXPECT_FALSE(again.has_value());
}

// What the start script would have refused is not recorded: a record that
// is gone stays gone, one that is no longer queued stays as it is.
TEST_F(StoreTest, FinishOfAnUnrecordedStartLeavesATaskThatMayNotRun) {
  for (const char* id : {"t1", "t2"})
    ASSERT_EQ(Route(ShellTask(id, "biz", id)).status, "ok");
  auto store = Store("biz", kOwnerA);
  const std::string item1 = ClaimOne(store.get());
  conn_->Cmd({"DEL", keys_.Task("t1")});
  ASSERT_OK(store->Finish(item1, "t1", Exited(0), 100, 1, 10000, 100, nullptr,
                          false));
  EXPECT_EQ(conn_->Int({"EXISTS", keys_.Task("t1")}), 0)
      << "a record was resurrected";

  const std::string item2 = ClaimOne(store.get());
  conn_->Cmd({"HSET", keys_.Task("t2"), "state", "cancelled"});
  ASSERT_OK(store->Finish(item2, "t2", Exited(0), 100, 1, 10000, 100, nullptr,
                          false));
  EXPECT_EQ(Field("t2", "state"), "cancelled");
  EXPECT_FALSE(HasField("t2", "finished_at"));
  EXPECT_EQ(conn_->LLen(keys_.Proc(kOwnerA)), 0);
  EXPECT_EQ(conn_->Int({"HGET", keys_.Stats(), "succeeded"}), 0);
}

// The worker sent a start whose reply it did not get: the start may have
// been recorded after all, and the finish then ends it as usual.
TEST_F(StoreTest, FinishOfAStartWhoseReplyWasLost) {
  std::unique_ptr<WorkerStore> store;
  std::string item;
  ASSERT_NO_FATAL_FAILURE(
      StartFirstOf({ShellTask("t1", "biz", "one")}, &store, &item));
  const std::string started = Field("t1", "started_at");
  ASSERT_OK(
      store->Finish(item, "t1", Exited(0), 100, 1, 10000, 100, nullptr, false));
  EXPECT_EQ(Field("t1", "state"), "succeeded");
  EXPECT_EQ(Field("t1", "started_at"), started);
  EXPECT_EQ(conn_->Int({"ZCARD", keys_.Running("biz")}), 0);
}

TEST_F(StoreTest, StartAfterTheTaskRanAWhileDatesItsStartBack) {
  ASSERT_EQ(Route(ShellTask("t1", "biz", "sleep 9")).status, "ok");
  auto store = Store("biz", kOwnerA);
  const std::string item = ClaimOne(store.get());
  const long long before = RedisNowMs();
  Result<StartAnswer> r = store->Start(item, "t1", 1, 4242, 5, /*ran_ms=*/20);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value(), StartAnswer::kRun);
  const long long started = std::stoll(Field("t1", "started_at"));
  EXPECT_GE(started, before - 20);
  EXPECT_LE(started, RedisNowMs() - 20);
  EXPECT_EQ(conn_->Cmd({"ZSCORE", keys_.Running("biz"), "t1"}),
            std::to_string(started));
}

TEST_F(StoreTest, UnclaimGivesAClaimedItemBackWhereItWas) {
  TaskSpec t1 = ShellTask("t1", "biz", "one");
  TaskSpec t2 = ShellTask("t2", "biz", "two");
  TaskSpec t3 = ShellTask("t3", "biz", "three");
  std::unique_ptr<WorkerStore> store;
  std::string item;
  ASSERT_NO_FATAL_FAILURE(StartFirstOf({t1, t2, t3}, &store, &item));
  std::optional<std::string> next;
  ASSERT_OK(store->Finish(item, "t1", Exited(0), 100, 1, 10000, 100, &next));
  ASSERT_EQ(next, EncodeQueueItem(t2));

  ASSERT_OK(store->Unclaim());
  EXPECT_EQ(conn_->LLen(keys_.Proc(kOwnerA)), 0);
  // t2 is the next one out again, before t3, untouched.
  EXPECT_EQ(conn_->Cmd({"LINDEX", keys_.Queue("biz"), "-1"}), *next);
  EXPECT_EQ(Field("t2", "state"), "queued");
  EXPECT_EQ(ClaimOne(store.get()), *next);
}

TEST_F(StoreTest, FinishRecordsFailures) {
  auto store = Store("biz", kOwnerA);
  auto run = [&](const std::string& id, const TaskOutcome& o) {
    EXPECT_EQ(Route(ShellTask(id, "biz", "x")).status, "ok");
    const std::string item = ClaimOne(store.get());
    EXPECT_TRUE(Started(store.get(), item, id, 1, 4242, 5));
    EXPECT_OK(store->Finish(item, id, o, 100));
  };
  run("exit3", Exited(3));
  EXPECT_EQ(Field("exit3", "state"), "failed");
  EXPECT_EQ(Field("exit3", "exit_code"), "3");
  EXPECT_EQ(Field("exit3", "reason"), "exit: exited 3");

  TaskOutcome sig;
  sig.kind = TaskOutcome::Kind::kSignaled;
  sig.signal = 9;
  sig.detail = "killed by SIGKILL";
  run("sig", sig);
  EXPECT_EQ(Field("sig", "state"), "failed");
  EXPECT_EQ(Field("sig", "signal"), "SIGKILL");
  EXPECT_FALSE(HasField("sig", "exit_code"));
  EXPECT_EQ(Field("sig", "reason"), "signal: killed by SIGKILL");

  TaskOutcome timeout;
  timeout.kind = TaskOutcome::Kind::kTimeout;
  timeout.signal = 15;
  timeout.detail = "timed out after 1s";
  run("to", timeout);
  EXPECT_EQ(Field("to", "state"), "failed");
  EXPECT_TRUE(StartsWith(Field("to", "reason"), "timeout: "))
      << Field("to", "reason");

  TaskOutcome spawn;
  spawn.kind = TaskOutcome::Kind::kSpawnFailed;
  spawn.detail = "/nonexistent: No such file or directory";
  run("sp", spawn);
  EXPECT_EQ(Field("sp", "state"), "failed");
  EXPECT_EQ(Field("sp", "reason"),
            "spawn: /nonexistent: No such file or directory");

  TaskOutcome cancelled;
  cancelled.kind = TaskOutcome::Kind::kCancelled;
  cancelled.signal = 15;
  run("ca", cancelled);
  EXPECT_EQ(Field("ca", "state"), "cancelled");

  EXPECT_EQ(conn_->Int({"HGET", keys_.Stats(), "failed"}), 4);
  EXPECT_EQ(conn_->Int({"HGET", keys_.Stats(), "cancelled"}), 1);
  EXPECT_EQ(conn_->Int({"HGET", keys_.Stats(), "succeeded"}), 0);
  EXPECT_EQ(conn_->Int({"HGET", keys_.Stats(), "dealt"}), 5);
}

TEST_F(StoreTest, FinishAfterTheTaskWentToAnotherWorkerLeavesTheRecord) {
  ASSERT_EQ(Route(ShellTask("t1", "biz", "sleep 9")).status, "ok");
  auto a = Store("biz", kOwnerA);
  const std::string item = ClaimOne(a.get());
  ASSERT_TRUE(Started(a.get(), item, "t1", 1, 1111, 5));
  // A's lease is taken for dead; B gets the task.
  Strings rec = Recover(kOwnerA);
  ASSERT_EQ(rec, (Strings{kOwnerA, "t1"}));
  auto b = Store("biz", kOwnerB);
  const std::string again = ClaimOne(b.get());
  ASSERT_TRUE(Started(b.get(), again, "t1", 2, 2222, 6));

  // A was alive after all and finishes: the record belongs to B's run.
  ASSERT_OK(a->Finish(item, "t1", Exited(0, "from A"), 100));
  EXPECT_EQ(Field("t1", "state"), "running");
  EXPECT_EQ(Field("t1", "owner"), kOwnerB);
  EXPECT_EQ(Field("t1", "pgid"), "2222");
  EXPECT_FALSE(HasField("t1", "stdout"));
  EXPECT_EQ(conn_->Int({"TTL", keys_.Task("t1")}), -1);
  EXPECT_EQ(conn_->Int({"HGET", keys_.Stats(), "succeeded"}), 0);

  ASSERT_OK(b->Finish(again, "t1", Exited(0, "from B"), 100));
  EXPECT_EQ(Field("t1", "state"), "succeeded");
  EXPECT_EQ(Field("t1", "stdout"), "from B");
}

TEST_F(StoreTest, RequeuePutsTheItemBackAtTheConsumingEnd) {
  TaskSpec t1 = ShellTask("t1", "biz", "one");
  TaskSpec t2 = ShellTask("t2", "biz", "two");
  std::unique_ptr<WorkerStore> store;
  std::string item;
  ASSERT_NO_FATAL_FAILURE(StartFirstOf({t1, t2}, &store, &item));

  ASSERT_OK(store->Requeue(item, "t1"));
  EXPECT_EQ(conn_->Cmd({"LINDEX", keys_.Queue("biz"), "-1"}), item);
  EXPECT_EQ(conn_->LLen(keys_.Queue("biz")), 2);
  EXPECT_EQ(conn_->LLen(keys_.Proc(kOwnerA)), 0);
  EXPECT_EQ(Field("t1", "state"), "queued");
  EXPECT_TRUE(StartsWith(Field("t1", "reason"), "stopped"))
      << Field("t1", "reason");
  EXPECT_FALSE(HasField("t1", "pgid"));
  EXPECT_EQ(conn_->Int({"ZCARD", keys_.Running("biz")}), 0);
  // It is the next one out, before t2.
  EXPECT_EQ(ClaimOne(store.get()), item);
  EXPECT_TRUE(Started(store.get(), item, "t1", 1, 4243, 6));
}

TEST_F(StoreTest, RequeueOfAnItemWeDoNotHoldDoesNothing) {
  ASSERT_EQ(Route(ShellTask("t1", "biz", "one")).status, "ok");
  auto store = Store("biz", kOwnerA);
  ASSERT_OK(store->Requeue("not ours", "t1"));
  EXPECT_EQ(conn_->LLen(keys_.Queue("biz")), 1);
  EXPECT_EQ(Field("t1", "state"), "queued");
  EXPECT_FALSE(HasField("t1", "reason"));
}

TEST_F(StoreTest, DiscardDropsOnlyTheItem) {
  conn_->Cmd({"LPUSH", keys_.Queue("biz"), "undecodable"});
  conn_->Cmd({"LPUSH", keys_.Queue("biz"), "next"});
  auto store = Store("biz", kOwnerA);
  ASSERT_EQ(ClaimOne(store.get()), "undecodable");
  ASSERT_OK(store->Discard("undecodable"));
  EXPECT_EQ(conn_->LLen(keys_.Proc(kOwnerA)), 0);
  EXPECT_EQ(conn_->List({"LRANGE", keys_.Queue("biz"), "0", "-1"}),
            Strings{"next"});
}

// ---------------------------------------------------------------------------
// Leases

TEST_F(StoreTest, HeartbeatCreatesThenRenewsTheLease) {
  auto store = Store("biz", kOwnerA, nullptr, 5000);
  const long long before = RedisNowMs();
  Result<bool> first = store->Heartbeat();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first.value()) << "a new lease reports 'had been lost'";
  const long long score = conn_->Int({"ZSCORE", keys_.Leases(), kOwnerA});
  EXPECT_GE(score, before + 5000);
  EXPECT_LE(score, RedisNowMs() + 5000);

  Result<bool> second = store->Heartbeat();
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second.value());

  // The master recovered us meanwhile: the next heartbeat says so.
  Recover(kOwnerA);
  EXPECT_EQ(conn_->Cmd({"ZSCORE", keys_.Leases(), kOwnerA}), "(nil)");
  EXPECT_TRUE(HeartbeatLost(store.get()));
}

TEST_F(StoreTest, ReleaseLease) {
  auto store = Store("biz", kOwnerA);
  ASSERT_OK(store->Heartbeat());
  ASSERT_OK(store->ReleaseLease());
  EXPECT_EQ(conn_->Cmd({"ZSCORE", keys_.Leases(), kOwnerA}), "(nil)");
}

// ---------------------------------------------------------------------------
// Recovery

TEST_F(StoreTest, RecoverRequeuesTheTasksOfAnExpiredOwner) {
  TaskSpec t1 = ShellTask("t1", "a", "one");
  TaskSpec t2 = ShellTask("t2", "a", "two");
  TaskSpec t3 = ShellTask("t3", "b", "three");
  for (const TaskSpec* t : {&t1, &t2, &t3}) ASSERT_EQ(Route(*t).status, "ok");

  auto a = Store("a", kOwnerA);
  const std::string item1 = ClaimOne(a.get());
  ASSERT_EQ(item1, EncodeQueueItem(t1));
  ASSERT_TRUE(Started(a.get(), item1, "t1", 1, 1111, 5));
  auto b = Store("b", kOwnerB);
  const std::string item3 = ClaimOne(b.get());
  ASSERT_TRUE(Started(b.get(), item3, "t3", 1, 3333, 7));

  // A's lease expired long ago; B's runs far into the future.
  conn_->Cmd({"ZADD", keys_.Leases(), "1", kOwnerA});
  conn_->Cmd({"ZADD", keys_.Leases(), "99999999999999", kOwnerB});

  EXPECT_EQ(Recover(), (Strings{kOwnerA, "t1"}));

  const std::string again = conn_->Cmd({"LINDEX", keys_.Queue("a"), "-1"});
  EXPECT_TRUE(StartsWith(again, R"({"a":2,"id":"t1",)")) << again;
  EXPECT_EQ(again.substr(7), item1.substr(7)) << "only the counter changes";
  Result<TaskSpec> decoded = DecodeQueueItem(again);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->attempt, 2);
  EXPECT_EQ(decoded->command, "one");
  EXPECT_EQ(conn_->LLen(keys_.Queue("a")), 2);
  EXPECT_EQ(conn_->Cmd({"ZSCORE", keys_.Running("a"), "t1"}), "(nil)");
  EXPECT_EQ(conn_->Cmd({"ZSCORE", keys_.Running("b"), "t3"}) == "(nil)", false);

  EXPECT_EQ(Field("t1", "state"), "queued");
  EXPECT_EQ(Field("t1", "item"), again);
  EXPECT_TRUE(StartsWith(Field("t1", "reason"), "lost"))
      << Field("t1", "reason");
  EXPECT_NE(Field("t1", "reason").find(kOwnerA), std::string::npos);
  EXPECT_FALSE(HasField("t1", "pgid"));
  EXPECT_FALSE(HasField("t1", "pstart"));
  EXPECT_EQ(conn_->Int({"EXISTS", keys_.Proc(kOwnerA)}), 0);
  EXPECT_EQ(conn_->Cmd({"ZSCORE", keys_.Leases(), kOwnerA}), "(nil)");

  // The live owner is untouched.
  EXPECT_EQ(conn_->List({"LRANGE", keys_.Proc(kOwnerB), "0", "-1"}),
            Strings{item3});
  EXPECT_EQ(conn_->Cmd({"ZSCORE", keys_.Leases(), kOwnerB}), "99999999999999");
  EXPECT_EQ(Field("t3", "state"), "running");
  EXPECT_EQ(Field("t3", "pgid"), "3333");

  // The recovered task is the next one out of its queue, before t2, and
  // starts as its second attempt.
  auto c = Store("a", kOwnerC);
  EXPECT_EQ(ClaimOne(c.get()), again);
  ASSERT_TRUE(Started(c.get(), again, "t1", decoded->attempt, 4444, 8));
  EXPECT_EQ(Field("t1", "attempts"), "2");

  // Nothing left to do.
  EXPECT_EQ(Recover(), Strings{});

  // Lost again: the counter keeps rising.
  conn_->Cmd({"ZADD", keys_.Leases(), "1", kOwnerC});
  EXPECT_EQ(Recover(), (Strings{kOwnerC, "t1"}));
  EXPECT_TRUE(StartsWith(conn_->Cmd({"LINDEX", keys_.Queue("a"), "-1"}),
                         R"({"a":3,"id":"t1",)"));
}

TEST_F(StoreTest, RecoverForcedOwnerEvenWithALiveLease) {
  ASSERT_EQ(Route(ShellTask("t1", "a", "one")).status, "ok");
  auto a = Store("a", kOwnerA);
  const std::string item = ClaimOne(a.get());
  ASSERT_TRUE(Started(a.get(), item, "t1", 1, 1111, 5));
  ASSERT_GT(conn_->Int({"ZSCORE", keys_.Leases(), kOwnerA}), RedisNowMs());
  EXPECT_EQ(Recover(), Strings{}) << "a live lease was recovered";
  EXPECT_EQ(Recover(kOwnerA), (Strings{kOwnerA, "t1"}));
  EXPECT_EQ(Field("t1", "state"), "queued");
  EXPECT_EQ(conn_->Cmd({"ZSCORE", keys_.Leases(), kOwnerA}), "(nil)");
}

TEST_F(StoreTest, RecoverRequeuesAClaimedButNotStartedItem) {
  ASSERT_EQ(Route(ShellTask("t1", "a", "one")).status, "ok");
  auto a = Store("a", kOwnerA);
  ClaimOne(a.get());
  conn_->Cmd({"ZADD", keys_.Leases(), "1", kOwnerA});
  EXPECT_EQ(Recover(), (Strings{kOwnerA, "t1"}));
  EXPECT_EQ(conn_->LLen(keys_.Queue("a")), 1);
  EXPECT_EQ(Field("t1", "state"), "queued");
}

TEST_F(StoreTest, RecoverDropsItemsOfTasksThatNoLongerRun) {
  ASSERT_EQ(Route(ShellTask("t1", "a", "one")).status, "ok");
  auto a = Store("a", kOwnerA);
  ClaimOne(a.get());
  conn_->Cmd({"HSET", keys_.Task("t1"), "state", "cancelled"});
  conn_->Cmd({"LPUSH", keys_.Proc(kOwnerA), "garbage that is not JSON"});
  conn_->Cmd({"ZADD", keys_.Leases(), "1", kOwnerA});
  EXPECT_EQ(Recover(), Strings{});
  EXPECT_EQ(conn_->LLen(keys_.Queue("a")), 0);
  EXPECT_EQ(Field("t1", "state"), "cancelled");
  EXPECT_EQ(conn_->Int({"EXISTS", keys_.Proc(kOwnerA)}), 0);
  EXPECT_EQ(conn_->Cmd({"ZSCORE", keys_.Leases(), kOwnerA}), "(nil)");
}

TEST_F(StoreTest, RecoverGivesARoutersPayloadBackToThePrepareQueue) {
  const std::string router = "router/otherhost/55/x";
  conn_->Cmd({"LPUSH", keys_.Prepare(), "older"});
  conn_->Cmd({"LPUSH", keys_.Prepare(), "newer"});
  conn_->Cmd({"LPUSH", keys_.Proc(router), R"({"task":"in flight"})"});
  conn_->Cmd({"ZADD", keys_.Leases(), "1", router});
  EXPECT_EQ(Recover(), Strings{});
  // Back at the consuming (right) end: it is routed before "older".
  EXPECT_EQ(conn_->List({"LRANGE", keys_.Prepare(), "0", "-1"}),
            (Strings{"newer", "older", R"({"task":"in flight"})"}));
  EXPECT_EQ(conn_->Int({"EXISTS", keys_.Proc(router)}), 0);
  EXPECT_EQ(conn_->Cmd({"ZSCORE", keys_.Leases(), router}), "(nil)");
}

TEST_F(StoreTest, RecoverGivesARoutersBatchBackOldestFirst) {
  const std::string router = "router/otherhost/56/y";
  for (const char* p : {"p1", "p2", "p3"}) {
    conn_->Cmd({"LPUSH", keys_.Prepare(), p});
  }
  // The router's batch: moved from the right of prepare to the left of its
  // in-progress list, as kTakeBatchScript does.
  Result<RedisReply> r = client_->Eval(
      kTakeBatchScript, {keys_.Prepare(), keys_.Proc(router)}, {"10"});
  ASSERT_OK(r);
  EXPECT_EQ(Flatten(r.value().get()), (Strings{"p1", "p2", "p3"}));
  EXPECT_EQ(conn_->LLen(keys_.Prepare()), 0);
  conn_->Cmd({"LPUSH", keys_.Prepare(), "p4"});
  conn_->Cmd({"ZADD", keys_.Leases(), "1", router});
  EXPECT_EQ(Recover(), Strings{});
  for (const char* want : {"p1", "p2", "p3", "p4"})
    EXPECT_EQ(conn_->Cmd({"RPOP", keys_.Prepare()}), want);
}

TEST_F(StoreTest, TakeBatchStopsAtTheLimitOrWhenEmpty) {
  const std::string proc = keys_.Proc(kRouter);
  for (int i = 1; i <= 5; i++)
    conn_->Cmd({"LPUSH", keys_.Prepare(), "i" + std::to_string(i)});
  Result<RedisReply> r =
      client_->Eval(kTakeBatchScript, {keys_.Prepare(), proc}, {"3"});
  ASSERT_OK(r);
  EXPECT_EQ(Flatten(r.value().get()), (Strings{"i1", "i2", "i3"}));
  EXPECT_EQ(conn_->List({"LRANGE", proc, "0", "-1"}),
            (Strings{"i3", "i2", "i1"}));
  r = client_->Eval(kTakeBatchScript, {keys_.Prepare(), proc}, {"3"});
  ASSERT_OK(r);
  EXPECT_EQ(Flatten(r.value().get()), (Strings{"i4", "i5"}));
  r = client_->Eval(kTakeBatchScript, {keys_.Prepare(), proc}, {"3"});
  ASSERT_OK(r);
  EXPECT_EQ(Flatten(r.value().get()), Strings{});
  EXPECT_EQ(conn_->LLen(proc), 5);
}

TEST_F(StoreTest, RecoverHonoursTheOwnerLimit) {
  for (const char* owner : {kOwnerA, kOwnerB, kOwnerC})
    conn_->Cmd({"ZADD", keys_.Leases(), "1", owner});
  Recover("", nullptr, 2);
  EXPECT_EQ(conn_->Int({"ZCARD", keys_.Leases()}), 1);
  Recover("", nullptr, 2);
  EXPECT_EQ(conn_->Int({"ZCARD", keys_.Leases()}), 0);
}

TEST_F(StoreTest, ExpiredListsDeadOwnersAndWhereTheirTasksRan) {
  ASSERT_EQ(Route(ShellTask("t1", "a", "one")).status, "ok");
  ASSERT_EQ(Route(ShellTask("t2", "b", "two")).status, "ok");
  auto a = Store("a", kOwnerA);
  const std::string item = ClaimOne(a.get());
  ASSERT_TRUE(Started(a.get(), item, "t1", 1, 4242, 777));
  auto b = Store("b", kOwnerB);
  ClaimOne(b.get());
  ASSERT_OK(b->Heartbeat());  // B: claimed, not started, alive
  const std::string router = "router/h/1/r";
  conn_->Cmd({"LPUSH", keys_.Proc(router), R"({"task":"x"})"});
  conn_->Cmd({"ZADD", keys_.Leases(), "1", kOwnerA});
  conn_->Cmd({"ZADD", keys_.Leases(), "2", kOwnerC});  // nothing in flight
  conn_->Cmd({"ZADD", keys_.Leases(), "3", router});

  EXPECT_EQ(Expired(),
            (Strings{kOwnerA, "t1", HostName(), "4242", "777", kOwnerC, "", "",
                     "", "", router, "", "", "", ""}));
  // Read only.
  EXPECT_EQ(conn_->Int({"ZCARD", keys_.Leases()}), 4);
  EXPECT_EQ(conn_->LLen(keys_.Proc(kOwnerA)), 1);
  EXPECT_EQ(Field("t1", "state"), "running");

  // B dies before starting its task: no host or pgid is known yet.
  conn_->Cmd({"ZADD", keys_.Leases(), "4", kOwnerB});
  Strings all = Expired();
  ASSERT_EQ(all.size(), 20u);
  EXPECT_EQ(Strings(all.begin() + 15, all.end()),
            (Strings{kOwnerB, "t2", "", "", ""}));
  EXPECT_EQ(Expired(1), (Strings{kOwnerA, "t1", HostName(), "4242", "777"}));
}

// ---------------------------------------------------------------------------
// Cancellation (API side: kCancelScript; worker side: TaskHeartbeat, Start)

struct CancelReply {
  std::string outcome, extra;
};

CancelReply Cancel(RedisClient* client, const RedisKeys& keys,
                   const std::string& id, int64_t ttl_s = 100) {
  Result<RedisReply> r =
      client->Eval(kCancelScript, {keys.Task(id), keys.Stats()},
                   {keys.prefix(), std::to_string(ttl_s)});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  Strings f = Flatten(r.value().get());
  EXPECT_EQ(f.size(), 2u);
  if (f.size() != 2) return {};
  return {f[0], f[1]};
}

TEST_F(StoreTest, CancelAQueuedTask) {
  conn_->Cmd({"HSET", keys_.Channels(), "d", R"({"distinct":true})"});
  ASSERT_EQ(Route(ShellTask("t1", "d", "one")).status, "ok");
  ASSERT_EQ(Route(ShellTask("t2", "d", "two")).status, "ok");
  CancelReply c = Cancel(&*client_, keys_, "t1");
  EXPECT_EQ(c.outcome, "cancelled");
  EXPECT_EQ(Field("t1", "state"), "cancelled");
  EXPECT_TRUE(StartsWith(Field("t1", "reason"), "cancelled"));
  EXPECT_FALSE(Field("t1", "finished_at").empty());
  const long long ttl = conn_->Int({"TTL", keys_.Task("t1")});
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 100);
  EXPECT_EQ(conn_->Int({"HGET", keys_.Stats(), "cancelled"}), 1);
  // Only t2 is left to run, and the distinct key of t1 is free again.
  auto store = Store("d", kOwnerA);
  EXPECT_EQ(ClaimOne(store.get()),
            EncodeQueueItem(ShellTask("t2", "d", "two")));
  EXPECT_EQ(conn_->LLen(keys_.Queue("d")), 0);
  EXPECT_EQ(Route(ShellTask("t3", "d", "one")).status, "ok");
  // A second cancel finds it finished.
  c = Cancel(&*client_, keys_, "t1");
  EXPECT_EQ(c.outcome, "finished");
  EXPECT_EQ(c.extra, "cancelled");
}

TEST_F(StoreTest, CancelARunningTaskFlagsItForItsWorker) {
  ASSERT_EQ(Route(ShellTask("t1", "biz", "sleep 100")).status, "ok");
  auto store = Store("biz", kOwnerA);
  const std::string item = ClaimOne(store.get());
  ASSERT_TRUE(Started(store.get(), item, "t1", 1, 4242, 5));
  Result<bool> hb = store->TaskHeartbeat("t1");
  ASSERT_OK(hb);
  EXPECT_FALSE(hb.value());

  CancelReply c = Cancel(&*client_, keys_, "t1");
  EXPECT_EQ(c.outcome, "cancelling");
  EXPECT_EQ(c.extra, kOwnerA);
  EXPECT_EQ(Field("t1", "state"), "running");
  EXPECT_EQ(Field("t1", "cancel"), "1");
  hb = store->TaskHeartbeat("t1");
  ASSERT_OK(hb);
  EXPECT_TRUE(hb.value());

  TaskOutcome o;
  o.kind = TaskOutcome::Kind::kCancelled;
  o.signal = SIGTERM;
  o.detail = "killed by SIGTERM";
  ASSERT_OK(store->Finish(item, "t1", o, 100));
  EXPECT_EQ(Field("t1", "state"), "cancelled");
  EXPECT_FALSE(HasField("t1", "cancel"));
  EXPECT_GT(conn_->Int({"TTL", keys_.Task("t1")}), 0);
  EXPECT_EQ(conn_->Int({"HGET", keys_.Stats(), "cancelled"}), 1);
  EXPECT_EQ(conn_->Int({"ZCARD", keys_.Running("biz")}), 0);
}

TEST_F(StoreTest, CancelFinishedOrMissingTask) {
  EXPECT_EQ(Cancel(&*client_, keys_, "nope").outcome, "missing");
  ASSERT_EQ(Route(ShellTask("t1", "biz", "true")).status, "ok");
  auto store = Store("biz", kOwnerA);
  const std::string item = ClaimOne(store.get());
  ASSERT_TRUE(Started(store.get(), item, "t1", 1, 4242, 5));
  ASSERT_OK(store->Finish(item, "t1", Exited(3), 100));
  CancelReply c = Cancel(&*client_, keys_, "t1");
  EXPECT_EQ(c.outcome, "finished");
  EXPECT_EQ(c.extra, "failed");
  EXPECT_EQ(Field("t1", "state"), "failed");
  EXPECT_FALSE(HasField("t1", "cancel"));
}

TEST_F(StoreTest, TaskHeartbeatRenewsTheLease) {
  auto store = Store("biz", kOwnerA, nullptr, 4000);
  const long long before = RedisNowMs();
  Result<bool> hb = store->TaskHeartbeat("no-such-task");
  ASSERT_OK(hb);
  EXPECT_FALSE(hb.value());
  EXPECT_GE(conn_->Int({"ZSCORE", keys_.Leases(), kOwnerA}), before + 4000);
}

// A task cancelled after a worker took it from the queue but before the
// worker recorded its start: Start answers kCancel, the worker stops what
// it spawned and its finish (of a start never recorded) records the
// cancel. The record ends up cancelled and expiring, and a distinct
// channel accepts the same command again.
TEST_F(StoreTest, CancelBetweenClaimAndStartFinalizesTheRecord) {
  conn_->Cmd({"HSET", keys_.Channels(), "d", R"({"distinct":true})"});
  ASSERT_EQ(Route(ShellTask("t1", "d", "one")).status, "ok");
  auto store = Store("d", kOwnerA);
  const std::string item = ClaimOne(store.get());
  CancelReply c = Cancel(&*client_, keys_, "t1");
  EXPECT_EQ(c.outcome, "cancelling");
  EXPECT_EQ(StartOf(store.get(), item, "t1", 1, 4242, 5), StartAnswer::kCancel);
  TaskOutcome o;
  o.kind = TaskOutcome::Kind::kCancelled;
  o.signal = SIGTERM;
  ASSERT_OK(store->Finish(item, "t1", o, 100, 1, 10000, 100, nullptr,
                          /*started=*/false));
  EXPECT_EQ(Field("t1", "state"), "cancelled");
  EXPECT_FALSE(HasField("t1", "cancel"));
  EXPECT_EQ(conn_->Int({"HGET", keys_.Stats(), "cancelled"}), 1);
  EXPECT_GT(conn_->Int({"TTL", keys_.Task("t1")}), 0);
  EXPECT_EQ(Route(ShellTask("t2", "d", "one")).status, "ok");
}

// ---------------------------------------------------------------------------
// Channel listing and deletion (API scripts)

TEST_F(StoreTest, ChannelPageListsRunningThenQueuedInRunOrder) {
  for (int i = 1; i <= 5; i++) {
    std::string id = "t" + std::to_string(i);
    ASSERT_EQ(Route(ShellTask(id, "biz", "cmd " + id)).status, "ok");
  }
  auto a = Store("biz", kOwnerA);
  auto b = Store("biz", kOwnerB);
  const std::string i1 = ClaimOne(a.get());
  ASSERT_TRUE(Started(a.get(), i1, "t1", 1, 1, 1));
  const std::string i2 = ClaimOne(b.get());
  ASSERT_TRUE(Started(b.get(), i2, "t2", 1, 2, 2));
  auto page = [&](int offset, int limit) {
    Result<RedisReply> r = client_->Eval(
        kChannelPageScript, {keys_.Running("biz"), keys_.Queue("biz")},
        {keys_.prefix(), std::to_string(offset), std::to_string(limit)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Flatten(r.value().get()) : Strings{};
  };
  auto item = [](const char* id) {
    return EncodeQueueItem(ShellTask(id, "biz", std::string("cmd ") + id));
  };
  Strings all = page(0, 10);
  ASSERT_EQ(all.size(), 3u + 4u + 3u) << ::testing::PrintToString(all);
  EXPECT_EQ(all[0], "2");  // running
  EXPECT_EQ(all[1], "3");  // queued
  EXPECT_EQ(all[2], "2");  // running ones on this page
  // Running ones, by start time (ties by id).
  EXPECT_EQ((Strings{all[3], all[4], all[5], all[6]}),
            (Strings{"t1", "cmd t1", "t2", "cmd t2"}));
  EXPECT_EQ((Strings{all[7], all[8], all[9]}),
            (Strings{item("t3"), item("t4"), item("t5")}));
  // A page that starts inside the running ones and ends in the queue.
  EXPECT_EQ(page(1, 2), (Strings{"2", "3", "1", "t2", "cmd t2", item("t3")}));
  // A page inside the queue.
  EXPECT_EQ(page(3, 2), (Strings{"2", "3", "0", item("t4"), item("t5")}));
  EXPECT_EQ(page(5, 2), (Strings{"2", "3", "0"}));
  EXPECT_EQ(page(0, 0), (Strings{"2", "3", "0"}));
}

TEST_F(StoreTest, DeleteChannel) {
  auto del = [&](const std::string& chan, bool purge) {
    Result<RedisReply> r =
        client_->Eval(kDeleteChannelScript,
                      {keys_.Channels(), keys_.Queue(chan), keys_.Stats()},
                      {chan, purge ? "1" : "0", keys_.prefix(), "100"});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r.value()->integer : -100;
  };
  EXPECT_EQ(del("nope", false), -1);
  ASSERT_EQ(Route(ShellTask("k1", "keep", "x")).status, "ok");
  EXPECT_EQ(del("keep", false), 0);
  EXPECT_EQ(conn_->Int({"HEXISTS", keys_.Channels(), "keep"}), 0);
  EXPECT_EQ(conn_->LLen(keys_.Queue("keep")), 1) << "queue kept without purge";
  EXPECT_EQ(Field("k1", "state"), "queued");

  conn_->Cmd({"HSET", keys_.Channels(), "p", R"({"distinct":true})"});
  ASSERT_EQ(Route(ShellTask("p1", "p", "a")).status, "ok");
  ASSERT_EQ(Route(ShellTask("p2", "p", "b")).status, "ok");
  EXPECT_EQ(del("p", true), 2);
  EXPECT_EQ(conn_->Int({"EXISTS", keys_.Queue("p")}), 0);
  EXPECT_EQ(conn_->Int({"EXISTS", keys_.Distinct("p")}), 0);
  for (const char* id : {"p1", "p2"}) {
    EXPECT_EQ(Field(id, "state"), "cancelled") << id;
    EXPECT_GT(conn_->Int({"TTL", keys_.Task(id)}), 0) << id;
  }
  EXPECT_EQ(conn_->Int({"HGET", keys_.Stats(), "cancelled"}), 2);
}

// ---------------------------------------------------------------------------
// Namespace

TEST_F(StoreTest, NamespaceKeepsEveryKeyUnderItsPrefix) {
  RedisKeys ns("ns");
  conn_->Cmd({"HSET", ns.Channels(), "d", R"({"distinct":true})"});
  ASSERT_EQ(Route(ns, ShellTask("t1", "d", "one")).status, "ok");
  ASSERT_EQ(Route(ns, ShellTask("t1b", "d", "one")).status, "distinct");
  ASSERT_EQ(Route(ns, ShellTask("t2", "d", "two")).status, "ok");
  ASSERT_EQ(Route(ns, ShellTask("t3", "full", "x"), "p", 1).status, "full");
  EXPECT_EQ(conn_->LLen(ns.DeadLetters()), 1);

  auto a = Store("d", kOwnerA, &ns);
  const std::string item1 = ClaimOne(a.get());
  ASSERT_TRUE(Started(a.get(), item1, "t1", 1, 1, 1));
  ASSERT_OK(a->Finish(item1, "t1", Exited(0), 100));
  EXPECT_EQ(conn_->Int({"SCARD", ns.Distinct("d")}), 1)
      << "finish did not release the distinct key under the namespace";
  EXPECT_EQ(Field("t1", "state", &ns), "succeeded");

  const std::string item2 = ClaimOne(a.get());
  ASSERT_TRUE(Started(a.get(), item2, "t2", 1, 1, 1));
  conn_->Cmd({"ZADD", ns.Leases(), "1", kOwnerA});
  EXPECT_EQ(Recover("", &ns), (Strings{kOwnerA, "t2"}));
  EXPECT_EQ(conn_->LLen(ns.Queue("d")), 1);
  EXPECT_EQ(Field("t2", "state", &ns), "queued");

  Strings all = conn_->List({"KEYS", "*"});
  ASSERT_FALSE(all.empty());
  for (const std::string& key : all)
    EXPECT_TRUE(StartsWith(key, "ns:coyotes:")) << key;
  // And the default namespace saw nothing.
  EXPECT_EQ(conn_->Int({"EXISTS", keys_.Channels()}), 0);
}

}  // namespace
}  // namespace coyotes
