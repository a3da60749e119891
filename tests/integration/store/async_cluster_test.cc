// AsyncCluster against a real Redis Cluster (tests/support/redis_cluster.h):
// routing by slot, scripts on every master, MOVED after a resharding, ASK
// and TRYAGAIN during a migration made by hand, traffic while redis-cli
// migrates slots, a failover, the wait for the first map, and Stop() with
// replies owed. The client runs on an EventBase driven by the test thread,
// which also talks to the nodes directly (synchronously) between turns.
#include "store/async_cluster.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/event_loop.h"
#include "store/cluster_slots.h"
#include "support/redis_cluster.h"
#include "support/redis_server.h"
#include "support/wait.h"

namespace coyotes {
namespace {

using namespace coyotes::testing;

// Two keys of one slot (KEYS[1], KEYS[2]) set to ARGV[1]; answers both
// values joined.
const Script kPairScript = {
    "cluster_test_pair",
    "redis.call('SET', KEYS[1], ARGV[1]) redis.call('SET', KEYS[2], ARGV[1]) "
    "return redis.call('GET', KEYS[1]) .. ',' .. redis.call('GET', KEYS[2])"};

// What a callback got, and how many times.
struct Outcome {
  int calls = 0;
  Status status;
  std::string text;  // the reply as text when status is OK
};

std::string ReplyText(const redisReply* r) {
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      return std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER:
      return std::to_string(r->integer);
    case REDIS_REPLY_NIL:
      return "(nil)";
    case REDIS_REPLY_ARRAY: {
      std::string out;
      for (size_t i = 0; i < r->elements; ++i)
        out += (i ? "," : "") + ReplyText(r->element[i]);
      return out;
    }
    default:
      return "?";
  }
}

AsyncCluster::Callback Into(std::shared_ptr<Outcome> o) {
  return [o](Result<const redisReply*> r) {
    o->calls++;
    o->status = r.status();
    if (r.ok()) o->text = ReplyText(r.value());
  };
}

// A count from INFO: `field` ("errorstat_MOVED", "cmdstat_asking") of
// `section`, its "count=" or "calls=" figure; 0 when absent.
long long InfoCount(RedisServer& node, const std::string& section,
                    const std::string& field) {
  std::string info = "\n" + node.Connect()->Cmd({"INFO", section});
  size_t at = info.find("\n" + field + ":");
  if (at == std::string::npos) return 0;
  size_t eq = info.find('=', at);
  return eq == std::string::npos ? 0 : std::atoll(info.c_str() + eq + 1);
}

// A key whose slot is `slot`, with `prefix` as its hash tag's start.
std::string KeyInSlot(int slot, const std::string& prefix) {
  for (int i = 0;; ++i) {
    std::string tag = prefix + std::to_string(i);
    if (KeySlot(tag) == slot) return "{" + tag + "}";
  }
}

class AsyncClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = RedisCluster::Start(); }
  static void TearDownTestSuite() { cluster_.reset(); }

  void SetUp() override { client_ = NewClient(); }
  void TearDown() override {
    if (client_) client_->Stop();
    // Reap and whatever the stop scheduled run outside hiredis's callbacks.
    RunFor(0.05);
    client_.reset();
  }

  // A client with every node as a seed, started.
  std::unique_ptr<AsyncCluster> StartClient() {
    std::vector<HostPort> seeds;
    for (const std::string& s : cluster_->seeds()) {
      auto hp = ParseHostPort(s);
      EXPECT_TRUE(hp.ok()) << s;
      if (hp.ok()) seeds.push_back(hp.value());
    }
    auto c = std::make_unique<AsyncCluster>(&base_, RedisTarget{}, seeds,
                                            "cluster-test");
    c->Start();
    return c;
  }
  // ... and connected.
  std::unique_ptr<AsyncCluster> NewClient() {
    auto c = StartClient();
    EXPECT_TRUE(RunUntil([&] { return c->connected(); }, 10))
        << "not connected to " << c->addr();
    return c;
  }

  // Runs the loop in turns of 10 ms at most until `done` or `timeout_s`.
  bool RunUntil(const std::function<bool()>& done, double timeout_s) {
    Event tick(&base_, -1, 0, [](short) {});
    const double deadline = NowSeconds() + timeout_s;
    while (!done()) {
      if (NowSeconds() >= deadline) return done();
      tick.ArmTimer(0.01);
      event_base_loop(base_.get(), EVLOOP_ONCE);
    }
    return true;
  }
  // Runs the loop for `s` seconds: only to let nothing more happen.
  void RunFor(double s) {
    RunUntil([] { return false; }, s);
  }

  // Sends and waits for the callback (10 s at most).
  Outcome Call(const std::vector<std::string>& argv) {
    auto o = std::make_shared<Outcome>();
    client_->Command(argv, Into(o));
    EXPECT_TRUE(RunUntil([&] { return o->calls > 0; }, 10))
        << argv[0] << ": no answer";
    return *o;
  }
  Outcome CallEval(const std::vector<std::string>& keys,
                   const std::vector<std::string>& args) {
    auto o = std::make_shared<Outcome>();
    client_->Eval(kPairScript, keys, args, Into(o));
    EXPECT_TRUE(RunUntil([&] { return o->calls > 0; }, 10)) << "no answer";
    return *o;
  }

  // A direct GET on the node that the cluster says owns `key`'s slot.
  std::string GetOnOwner(const std::string& key) {
    int owner = cluster_->MasterOfSlot(KeySlot(key));
    if (owner < 0) return "no owner";
    return cluster_->node(owner).Connect()->Cmd({"GET", key});
  }

  static std::unique_ptr<RedisCluster> cluster_;
  EventBase base_;
  std::unique_ptr<AsyncCluster> client_;
};

std::unique_ptr<RedisCluster> AsyncClusterTest::cluster_;

TEST_F(AsyncClusterTest, KeysLandOnTheMasterOfTheirSlot) {
  constexpr int kKeys = 200;
  std::vector<std::shared_ptr<Outcome>> sets;
  std::set<int> slots;
  for (int i = 0; i < kKeys; ++i) {
    std::string key = "route:" + std::to_string(i);
    slots.insert(KeySlot(key));
    sets.push_back(std::make_shared<Outcome>());
    client_->Command({"SET", key, "v" + std::to_string(i)}, Into(sets.back()));
  }
  EXPECT_GT(slots.size(), 190u);
  ASSERT_TRUE(RunUntil(
      [&] {
        for (auto& s : sets)
          if (s->calls == 0) return false;
        return true;
      },
      10));
  std::set<int> owners;
  for (int i = 0; i < kKeys; ++i) {
    std::string key = "route:" + std::to_string(i);
    EXPECT_EQ(sets[i]->calls, 1);
    EXPECT_TRUE(sets[i]->status.ok())
        << key << ": " << sets[i]->status.ToString();
    // Asked of the owner itself: any other node would answer MOVED.
    EXPECT_EQ(GetOnOwner(key), "v" + std::to_string(i)) << key;
    owners.insert(cluster_->MasterOfSlot(KeySlot(key)));
    Outcome got = Call({"GET", key});
    EXPECT_EQ(got.text, "v" + std::to_string(i)) << got.status.ToString();
  }
  EXPECT_EQ(owners.size(), cluster_->Masters().size());
  // Without a key: any master.
  EXPECT_EQ(Call({"PING"}).text, "PONG");
}

TEST_F(AsyncClusterTest, ScriptsRunOnEveryMasterAndSurviveAFlushedCache) {
  std::vector<std::string> tags;
  for (int m : cluster_->Masters()) {
    // A hash tag whose slot this master serves.
    for (int i = 0;; ++i) {
      std::string tag = "{eval" + std::to_string(i) + "}";
      if (cluster_->MasterOfSlot(KeySlot(tag)) == m) {
        tags.push_back(tag);
        break;
      }
    }
  }
  ASSERT_GE(tags.size(), 3u);
  for (const std::string& tag : tags) {
    Outcome o = CallEval({tag + "a", tag + "b"}, {"one"});
    EXPECT_TRUE(o.status.ok()) << tag << ": " << o.status.ToString();
    EXPECT_EQ(o.text, "one,one");
    EXPECT_EQ(GetOnOwner(tag + "b"), "one");
  }
  // The client knows the script's SHA on each node now; a node that forgot
  // it (a restart, SCRIPT FLUSH) answers NOSCRIPT, and AsyncRedis sends
  // the text.
  std::map<int, long long> noscript;
  for (int m : cluster_->Masters()) {
    EXPECT_EQ(cluster_->node(m).Connect()->Cmd({"SCRIPT", "FLUSH"}), "OK");
    noscript[m] =
        InfoCount(cluster_->node(m), "errorstats", "errorstat_NOSCRIPT");
  }
  for (const std::string& tag : tags) {
    Outcome o = CallEval({tag + "a", tag + "b"}, {"two"});
    EXPECT_TRUE(o.status.ok()) << tag << ": " << o.status.ToString();
    EXPECT_EQ(o.text, "two,two");
  }
  for (int m : cluster_->Masters())
    EXPECT_EQ(InfoCount(cluster_->node(m), "errorstats", "errorstat_NOSCRIPT"),
              noscript[m] + 1)
        << "node " << m;
}

TEST_F(AsyncClusterTest, FollowsMovedAfterAResharding) {
  // redis-cli moves the lowest slots of the source first: a key in the
  // lowest slot of a master moves with its first slot.
  std::vector<int> owners = cluster_->SlotOwners();
  std::vector<int> masters = cluster_->Masters();
  ASSERT_GE(masters.size(), 2u);
  const int from = masters[0];
  const int to = masters[1];
  int slot = 0;
  while (slot < RedisCluster::kSlots && owners[slot] != from) ++slot;
  ASSERT_LT(slot, RedisCluster::kSlots);
  const std::string key = KeyInSlot(slot, "moved") + "k";
  ASSERT_TRUE(Call({"SET", key, "before"}).status.ok());
  ASSERT_EQ(GetOnOwner(key), "before");

  long long moved =
      InfoCount(cluster_->node(from), "errorstats", "errorstat_MOVED");
  ASSERT_EQ(cluster_->Reshard(from, to, 10), 0)
      << cluster_->last_reshard_output();
  ASSERT_EQ(cluster_->MasterOfSlot(slot), to);

  // The client's map still names `from`: it answers MOVED, and the client
  // follows it to `to`.
  Outcome got = Call({"GET", key});
  EXPECT_TRUE(got.status.ok()) << got.status.ToString();
  EXPECT_EQ(got.text, "before");
  EXPECT_GT(InfoCount(cluster_->node(from), "errorstats", "errorstat_MOVED"),
            moved);
  EXPECT_TRUE(Call({"SET", key, "after"}).status.ok());
  EXPECT_EQ(cluster_->node(to).Connect()->Cmd({"GET", key}), "after");
  Outcome eval = CallEval({key, key + "2"}, {"script"});
  EXPECT_EQ(eval.text, "script,script") << eval.status.ToString();
}

TEST_F(AsyncClusterTest, FollowsAskAndTryAgainDuringAMigration) {
  std::vector<int> masters = cluster_->Masters();
  ASSERT_GE(masters.size(), 2u);
  // A slot of masters[0] in its upper half: away from the resharding test's.
  std::vector<int> owners = cluster_->SlotOwners();
  const int source = masters.back();
  int target = masters.front();
  int slot = RedisCluster::kSlots - 1;
  while (slot >= 0 && owners[slot] != source) --slot;
  ASSERT_GE(slot, 0);
  const std::string tag = KeyInSlot(slot, "ask");
  const std::string gone = tag + "gone", gone2 = tag + "gone2",
                    stays = tag + "stays";
  ASSERT_TRUE(Call({"SET", gone, "g"}).status.ok());
  ASSERT_TRUE(Call({"SET", gone2, "g2"}).status.ok());
  ASSERT_TRUE(Call({"SET", stays, "s"}).status.ok());

  auto src = cluster_->node(source).Connect();
  auto dst = cluster_->node(target).Connect();
  const std::string s = std::to_string(slot);
  ASSERT_EQ(dst->Cmd({"CLUSTER", "SETSLOT", s, "IMPORTING",
                      cluster_->NodeId(source)}),
            "OK");
  ASSERT_EQ(src->Cmd({"CLUSTER", "SETSLOT", s, "MIGRATING",
                      cluster_->NodeId(target)}),
            "OK");
  const std::string dst_port = std::to_string(cluster_->node(target).port());
  ASSERT_EQ(src->Cmd({"MIGRATE", "127.0.0.1", dst_port, "", "0", "5000", "KEYS",
                      gone, gone2}),
            "OK");

  // `gone` is on the target now: the source answers ASK, and the client
  // sends ASKING and the GET there. `stays` is served by the source.
  long long asking =
      InfoCount(cluster_->node(target), "commandstats", "cmdstat_asking");
  Outcome got = Call({"GET", gone});
  EXPECT_EQ(got.text, "g") << got.status.ToString();
  EXPECT_EQ(InfoCount(cluster_->node(target), "commandstats", "cmdstat_asking"),
            asking + 1);
  EXPECT_EQ(Call({"GET", stays}).text, "s");
  // A script after ASK goes as EVAL right behind ASKING.
  Outcome eval = CallEval({gone, gone2}, {"asked"});
  EXPECT_EQ(eval.text, "asked,asked") << eval.status.ToString();
  // A key that moved and one that is nowhere: the source answers ASK, the
  // target TRYAGAIN (the missing one may be on its way), until the client
  // gives up after its tries (20, 50 ms apart).
  const double split_at = NowSeconds();
  Outcome split = CallEval({gone, tag + "absent"}, {"split"});
  EXPECT_NE(split.status.message().find("TRYAGAIN"), std::string::npos)
      << split.status.ToString();
  EXPECT_GE(NowSeconds() - split_at, 0.9);

  // Both keys in one script, one on each side: the source answers
  // TRYAGAIN until the migration ends; the client waits it out.
  long long tryagain =
      InfoCount(cluster_->node(source), "errorstats", "errorstat_TRYAGAIN");
  auto both = std::make_shared<Outcome>();
  client_->Eval(kPairScript, {gone, stays}, {"both"}, Into(both));
  ASSERT_TRUE(RunUntil(
      [&] {
        return both->calls > 0 ||
               InfoCount(cluster_->node(source), "errorstats",
                         "errorstat_TRYAGAIN") > tryagain;
      },
      5));
  EXPECT_EQ(both->calls, 0) << both->status.ToString();

  // Finish the migration: the other key, then the slot's new owner on
  // every master (the target first, as redis-cli does).
  ASSERT_EQ(src->Cmd({"MIGRATE", "127.0.0.1", dst_port, "", "0", "5000", "KEYS",
                      stays}),
            "OK");
  std::vector<int> order = {target, source};
  for (int m : masters)
    if (m != target && m != source) order.push_back(m);
  for (int m : order)
    EXPECT_EQ(cluster_->node(m).Connect()->Cmd(
                  {"CLUSTER", "SETSLOT", s, "NODE", cluster_->NodeId(target)}),
              "OK");

  ASSERT_TRUE(RunUntil([&] { return both->calls > 0; }, 5));
  EXPECT_EQ(both->calls, 1);
  EXPECT_EQ(both->text, "both,both") << both->status.ToString();
  EXPECT_EQ(Call({"GET", stays}).text, "both");
  EXPECT_EQ(dst->Cmd({"GET", stays}), "both");
}

TEST_F(AsyncClusterTest, ReadsAndWritesWhileSlotsMigrate) {
  // redis-cli moves 300 slots, key by key (MIGRATE), while the client
  // writes and reads keys of those slots: it meets ASK, MOVED and stale
  // maps, and every command must still succeed and read its own write.
  std::vector<int> masters = cluster_->Masters();
  ASSERT_GE(masters.size(), 3u);
  const int from = masters[1], to = masters[2];
  constexpr int kMoving = 300;
  std::vector<int> owners = cluster_->SlotOwners();
  std::set<int> moving;  // the lowest slots of `from`: redis-cli's choice
  for (int s = 0; s < RedisCluster::kSlots && moving.size() < kMoving; ++s)
    if (owners[s] == from) moving.insert(s);
  std::vector<std::string> keys;
  for (int i = 0; keys.size() < 200; ++i) {
    std::string key = "mig:" + std::to_string(i);
    if (moving.count(KeySlot(key))) keys.push_back(key);
  }
  for (const std::string& key : keys)
    ASSERT_TRUE(Call({"SET", key, "0"}).status.ok());

  long long asks =
      InfoCount(cluster_->node(from), "errorstats", "errorstat_ASK");
  long long moves =
      InfoCount(cluster_->node(from), "errorstats", "errorstat_MOVED");
  const pid_t reshard = cluster_->StartReshard(from, to, kMoving);
  ASSERT_GT(reshard, 0);
  int rounds = 0;
  int errors = 0;
  auto all_moved = [&] {
    std::vector<int> now = cluster_->SlotOwners();
    for (int s : moving)
      if (now[s] != to) return false;
    return true;
  };
  // Rounds until every slot has moved, and one more after.
  bool done = false;
  const double deadline = NowSeconds() + 60;
  while (NowSeconds() < deadline) {
    bool last = done;
    const std::string value = std::to_string(++rounds);
    int pending = static_cast<int>(keys.size());
    for (const std::string& key : keys) {
      // The GET follows its SET's answer: it must read that write.
      client_->Command(
          {"SET", key, value}, [&, key, value](Result<const redisReply*> r) {
            if (!r.ok()) {
              ADD_FAILURE() << "SET " << key << ": " << r.status().ToString();
              errors++;
              pending--;
              return;
            }
            client_->Command(
                {"GET", key}, [&, key, value](Result<const redisReply*> g) {
                  pending--;
                  if (!g.ok() || ReplyText(g.value()) != value) {
                    ADD_FAILURE() << "GET " << key << ": "
                                  << (g.ok() ? ReplyText(g.value())
                                             : g.status().ToString());
                    errors++;
                  }
                });
          });
    }
    ASSERT_TRUE(RunUntil([&] { return pending == 0; }, 20));
    if (errors > 0 || last) break;
    done = all_moved();
  }
  EXPECT_TRUE(done) << "the slots did not all move within 60 s";
  EXPECT_EQ(cluster_->WaitReshard(reshard), 0)
      << cluster_->last_reshard_output();
  EXPECT_EQ(errors, 0);
  long long asked =
      InfoCount(cluster_->node(from), "errorstats", "errorstat_ASK") - asks;
  long long moved =
      InfoCount(cluster_->node(from), "errorstats", "errorstat_MOVED") - moves;
  EXPECT_GT(moved, 0);
  std::printf("migration: %d rounds of %zu keys, %lld ASK, %lld MOVED\n",
              rounds, keys.size(), asked, moved);
  for (const std::string& key : keys)
    EXPECT_EQ(cluster_->node(to).Connect()->Cmd({"GET", key}),
              std::to_string(rounds))
        << key;
}

TEST_F(AsyncClusterTest, StopAnswersAPendingCommandOnce) {
  // BLPOP holds its reply until the client stops.
  const std::string list = "{stop}list";
  auto blocked = std::make_shared<Outcome>();
  client_->Command({"BLPOP", list, "30"}, Into(blocked));
  const int owner = cluster_->MasterOfSlot(KeySlot(list));
  ASSERT_TRUE(RunUntil(
      [&] {
        return cluster_->node(owner)
                   .Connect()
                   ->Cmd({"CLIENT", "LIST"})
                   .find("cmd=blpop") != std::string::npos;
      },
      5));
  EXPECT_EQ(blocked->calls, 0);
  client_->Stop();
  EXPECT_EQ(blocked->calls, 1);
  EXPECT_EQ(blocked->status.code(), StatusCode::kUnavailable);
  auto after = std::make_shared<Outcome>();
  client_->Command({"GET", list}, Into(after));
  EXPECT_EQ(after->calls, 1);
  EXPECT_EQ(after->status.code(), StatusCode::kUnavailable);
  RunFor(0.1);
  EXPECT_EQ(blocked->calls, 1);
  EXPECT_EQ(after->calls, 1);
}

TEST_F(AsyncClusterTest, StopFromInsideACallbackAnswersTheRestOnce) {
  // The GET's reply comes first; its callback stops the client while the
  // BLPOP, sent behind it on the same connection, is still owed: hiredis
  // frees that connection only once the callback has returned.
  auto blocked = std::make_shared<Outcome>();
  int got_calls = 0;
  client_->Command({"GET", "{stop2}k"}, [&](Result<const redisReply*> r) {
    got_calls++;
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    client_->Stop();
    EXPECT_EQ(blocked->calls, 0);
  });
  client_->Command({"BLPOP", "{stop2}list", "30"}, Into(blocked));
  ASSERT_TRUE(RunUntil([&] { return blocked->calls > 0; }, 5));
  EXPECT_EQ(got_calls, 1);
  EXPECT_EQ(blocked->status.code(), StatusCode::kUnavailable);
  RunFor(0.1);
  EXPECT_EQ(blocked->calls, 1);
}

TEST_F(AsyncClusterTest, WaitsForTheMapRatherThanFail) {
  // A client just started has no map: its first commands and
  // WhenConnected's work wait for it instead of failing.
  client_->Stop();
  RunFor(0.01);
  client_ = StartClient();
  EXPECT_FALSE(client_->connected());
  auto o = std::make_shared<Outcome>();
  client_->Command({"SET", "early", "bird"}, Into(o));
  bool woken = false;
  client_->WhenConnected(5, [&] { woken = client_->connected(); });
  EXPECT_EQ(o->calls, 0);
  ASSERT_TRUE(RunUntil([&] { return o->calls > 0 && woken; }, 5));
  EXPECT_EQ(o->calls, 1);
  EXPECT_TRUE(o->status.ok()) << o->status.ToString();
  EXPECT_EQ(GetOnOwner("early"), "bird");
}

// A failover needs a cluster of its own: it changes which nodes are up.
// (SetUpTestSuite, inherited, starts one for this suite.)
class AsyncClusterFailoverTest : public AsyncClusterTest {};

TEST_F(AsyncClusterFailoverTest, CommandsReachThePromotedReplica) {
  const std::string key = "failover:key";
  const int old_master = cluster_->MasterOfSlot(KeySlot(key));
  ASSERT_TRUE(Call({"SET", key, "v1"}).status.ok());
  // The replica has the write before its master dies.
  std::vector<int> replicas = cluster_->ReplicasOf(old_master);
  ASSERT_FALSE(replicas.empty());
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = cluster_->node(replicas[0]).Connect();
        r->Cmd({"READONLY"});
        return r->Cmd({"GET", key}) == "v1";
      },
      5));

  // The master dies while the client runs. Until the cluster has promoted
  // its replica (--cluster-node-timeout, then an election), commands for
  // its slots fail with kUnavailable (the connection went, or none could
  // be made within a command's wait); then they reach the promoted
  // replica. The same client throughout.
  cluster_->node(old_master).Kill();
  const double killed_at = NowSeconds();
  int failures = 0;
  Outcome last;
  ASSERT_TRUE(RunUntil(
      [&] {
        last = Call({"GET", key});
        if (last.status.ok()) return true;
        EXPECT_EQ(last.status.code(), StatusCode::kUnavailable)
            << last.status.ToString();
        failures++;
        return false;
      },
      30));
  const double served_at = NowSeconds();
  EXPECT_EQ(last.text, "v1");
  EXPECT_TRUE(Call({"SET", key, "v2"}).status.ok());

  // The fixture's view: settled, one of the replicas now master.
  ASSERT_TRUE(WaitFor([&] { return cluster_->Unsettled().empty(); }, 30))
      << cluster_->Describe();
  const int promoted = cluster_->MasterOfSlot(KeySlot(key));
  EXPECT_NE(std::find(replicas.begin(), replicas.end(), promoted),
            replicas.end());
  EXPECT_EQ(cluster_->node(promoted).Connect()->Cmd({"GET", key}), "v2");
  std::printf(
      "failover: the client's first answer %.2f s after the kill; %d "
      "command(s) failed before\n",
      served_at - killed_at, failures);
}

}  // namespace
}  // namespace coyotes
