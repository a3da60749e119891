// RedisClient against a real Redis Cluster (six nodes on loopback, from
// tests/support/redis_cluster.h): routing by slot, MOVED after a slot
// moves, ASK while one migrates, a blocked BLMOVE whose slot moves away,
// and a master's SIGKILL with its replica promoted.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/cluster_slots.h"
#include "store/redis_client.h"
#include "store/redis_keys.h"
#include "store/scripts.h"
#include "support/redis_cluster.h"
#include "support/redis_server.h"
#include "support/wait.h"

namespace coyotes {
namespace {

using namespace coyotes::testing;

class ClusterClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = RedisCluster::Start().release(); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  RedisTarget Target() const {
    RedisTarget t;
    for (const std::string& s : cluster_->seeds())
      t.cluster_seeds.push_back(ParseHostPort(s).value());
    return t;
  }
  RedisClient Client() {
    auto c = RedisClient::Connect(Target(), 2.0);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return std::move(c.value());
  }
  // What the node that owns `key`'s slot holds under it, asked directly.
  std::string OnOwner(const std::string& key) {
    int owner = cluster_->MasterOfSlot(KeySlot(key));
    EXPECT_GE(owner, 0);
    if (owner < 0) return "";
    return cluster_->node(owner).Connect()->Cmd({"GET", key});
  }
  // Moves `slot` to master index `to` by hand, with the migration
  // protocol; with `stop_halfway`, stops after all keys but one moved (the
  // slot then MIGRATING on its owner and IMPORTING on `to`).
  void MigrateSlot(int slot, int to, bool stop_halfway = false) {
    int from = cluster_->MasterOfSlot(slot);
    ASSERT_GE(from, 0);
    ASSERT_NE(from, to);
    auto src = cluster_->node(from).Connect();
    auto dst = cluster_->node(to).Connect();
    std::string src_id = cluster_->NodeId(from), dst_id = cluster_->NodeId(to);
    ASSERT_EQ(dst->Cmd({"CLUSTER", "SETSLOT", std::to_string(slot), "IMPORTING",
                        src_id}),
              "OK");
    ASSERT_EQ(src->Cmd({"CLUSTER", "SETSLOT", std::to_string(slot), "MIGRATING",
                        dst_id}),
              "OK");
    auto keys =
        src->List({"CLUSTER", "GETKEYSINSLOT", std::to_string(slot), "1000"});
    if (stop_halfway) {
      ASSERT_GE(keys.size(), 2u);
      keys.pop_back();
    }
    for (const std::string& key : keys)
      ASSERT_EQ(src->Cmd({"MIGRATE", "127.0.0.1",
                          std::to_string(cluster_->node(to).port()), key, "0",
                          "5000"}),
                "OK");
    if (stop_halfway) return;
    FinishMigration(slot, to);
  }
  void FinishMigration(int slot, int to) {
    int from = cluster_->MasterOfSlot(slot);
    if (from >= 0 && from != to) {
      auto src = cluster_->node(from).Connect();
      for (const std::string& key : src->List(
               {"CLUSTER", "GETKEYSINSLOT", std::to_string(slot), "1000"}))
        ASSERT_EQ(src->Cmd({"MIGRATE", "127.0.0.1",
                            std::to_string(cluster_->node(to).port()), key, "0",
                            "5000"}),
                  "OK");
    }
    for (int m : cluster_->Masters())
      ASSERT_EQ(cluster_->node(m).Connect()->Cmd({"CLUSTER", "SETSLOT",
                                                  std::to_string(slot), "NODE",
                                                  cluster_->NodeId(to)}),
                "OK");
    ASSERT_TRUE(
        WaitFor([&] { return cluster_->MasterOfSlot(slot) == to; }, 10));
  }
  // A master other than the one that owns `slot`.
  int OtherMaster(int slot) {
    for (int m : cluster_->Masters())
      if (m != cluster_->MasterOfSlot(slot)) return m;
    ADD_FAILURE() << "one master only";
    return -1;
  }

  static RedisCluster* cluster_;
};
RedisCluster* ClusterClientTest::cluster_ = nullptr;

TEST_F(ClusterClientTest, CommandsGoToTheMasterOfTheirSlot) {
  RedisClient c = Client();
  std::set<int> owners;
  for (int i = 0; i < 200; ++i) {
    std::string key = "route:" + std::to_string(i);
    auto r = c.Command({"SET", key, "v" + std::to_string(i)});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(OnOwner(key), "v" + std::to_string(i)) << key;
    owners.insert(cluster_->MasterOfSlot(KeySlot(key)));
  }
  EXPECT_EQ(owners.size(), 3u);
  // Keyless commands go to whichever node the connection is on.
  auto ping = c.Command({"PING"});
  ASSERT_TRUE(ping.ok());
  EXPECT_EQ(ReplyString(ping.value().get()), "PONG");
  // A wrong command is an error, not a redirect loop.
  EXPECT_FALSE(c.Command({"LPUSH", "route:1", "x"}).ok());
  EXPECT_FALSE(c.broken());
}

TEST_F(ClusterClientTest, ScriptsWithTaggedKeysRunOnEachMaster) {
  static const Script kMove{
      "cluster_move_test",
      "local v = redis.call('RPOP', KEYS[1]); "
      "if v then redis.call('LPUSH', KEYS[2], v) end; return v"};
  RedisClient c = Client();
  ClusterKeys k("");
  for (int i = 0; i < 12; ++i) {
    std::string chan = "eval" + std::to_string(i);
    ASSERT_TRUE(c.Command({"LPUSH", k.Queue(chan), "item"}).ok());
    auto r = c.Eval(kMove, {k.Queue(chan), k.Proc(chan, "w")}, {});
    ASSERT_TRUE(r.ok()) << chan << ": " << r.status().ToString();
    EXPECT_EQ(ReplyString(r.value().get()), "item");
    auto moved = c.Command({"LLEN", k.Proc(chan, "w")});
    ASSERT_TRUE(moved.ok());
    EXPECT_EQ(moved.value()->integer, 1);
  }
}

TEST_F(ClusterClientTest, FollowsMovedAfterASlotMoves) {
  RedisClient c = Client();
  const std::string key = "{moved}:k";
  int slot = KeySlot(key);
  ASSERT_TRUE(c.Command({"SET", key, "before"}).ok());
  int to = OtherMaster(slot);
  MigrateSlot(slot, to);
  // The client's map still names the old owner: it gets MOVED and follows.
  auto r = c.Command({"GET", key});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(ReplyString(r.value().get()), "before");
  ASSERT_TRUE(c.Command({"SET", key, "after"}).ok());
  EXPECT_EQ(OnOwner(key), "after");
  EXPECT_EQ(c.addr().port, cluster_->node(to).port());
}

TEST_F(ClusterClientTest, FollowsAskWhileASlotMigrates) {
  RedisClient c = Client();
  const std::string a = "{ask}:a", b = "{ask}:b";
  int slot = KeySlot(a);
  ASSERT_TRUE(c.Command({"SET", a, "A"}).ok());
  ASSERT_TRUE(c.Command({"SET", b, "B"}).ok());
  int to = OtherMaster(slot);
  MigrateSlot(slot, to, /*stop_halfway=*/true);
  // One key moved, one not: reading both needs one ASK.
  for (const std::string& key : {a, b}) {
    auto r = c.Command({"GET", key});
    ASSERT_TRUE(r.ok()) << key << ": " << r.status().ToString();
    EXPECT_EQ(ReplyString(r.value().get()), key == a ? "A" : "B");
  }
  // A script over both keys while they are split: TRYAGAIN, waited out
  // for 2 s, then kUnavailable; never a wrong answer.
  static const Script kBoth{"cluster_both_test",
                            "return {redis.call('GET', KEYS[1]), "
                            "redis.call('GET', KEYS[2])}"};
  auto split = c.Eval(kBoth, {a, b}, {});
  if (!split.ok()) {
    EXPECT_EQ(split.status().code(), StatusCode::kUnavailable)
        << split.status().ToString();
  } else {
    EXPECT_EQ(ReplyString(split.value().get()), "[A, B]");
  }
  FinishMigration(slot, to);
  auto both = c.Eval(kBoth, {a, b}, {});
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ(ReplyString(both.value().get()), "[A, B]");
}

// A worker waits in BLMOVE on its queue; the queue's slot moves to another
// master; the item pushed there afterwards still reaches the worker.
TEST_F(ClusterClientTest, BlockedReadFollowsItsSlot) {
  ClusterKeys k("");
  const std::string chan = "blocked";
  int slot = KeySlot(k.Queue(chan));
  RedisClient c = Client();
  ASSERT_TRUE(c.Command({"LPUSH", k.Queue(chan), "first"}).ok());
  c.SetTimeout(10);
  int to = OtherMaster(slot);
  std::optional<Result<RedisReply>> got;
  std::thread worker([&] {
    // The first item comes at once; the second one waits for the move.
    auto r1 = c.Command(
        {"BLMOVE", k.Queue(chan), k.Proc(chan, "w"), "RIGHT", "LEFT", "5"});
    EXPECT_TRUE(r1.ok());
    got = c.Command(
        {"BLMOVE", k.Queue(chan), k.Proc(chan, "w"), "RIGHT", "LEFT", "8"});
  });
  ASSERT_TRUE(WaitFor(
      [&] {
        int owner = cluster_->MasterOfSlot(slot);
        return owner >= 0 && cluster_->node(owner).Connect()->Int(
                                 {"LLEN", k.Proc(chan, "w")}) == 1;
      },
      10));
  MigrateSlot(slot, to);
  ASSERT_EQ(
      cluster_->node(to).Connect()->Cmd({"LPUSH", k.Queue(chan), "second"}),
      "1");
  worker.join();
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(got->ok()) << got->status().ToString();
  EXPECT_EQ(ReplyString(got->value().get()), "second");
  EXPECT_EQ(cluster_->node(to).Connect()->Int({"LLEN", k.Proc(chan, "w")}), 2);
}

// Last: it changes the cluster for good. A master dies; its replica takes
// over; the client reconnects through the seeds and finds the data that
// WAIT saw replicated.
TEST_F(ClusterClientTest, ReconnectsAfterFailover) {
  const std::string key = "{failover}:k";
  int slot = KeySlot(key);
  RedisClient c = Client();
  ASSERT_TRUE(c.Command({"SET", key, "kept"}).ok());
  auto waited = c.Command({"WAIT", "1", "5000"});
  ASSERT_TRUE(waited.ok());
  ASSERT_EQ(waited.value()->integer, 1);
  int old_master = cluster_->MasterOfSlot(slot);
  int promoted = cluster_->KillMasterAndWaitFailover(old_master);
  EXPECT_EQ(cluster_->MasterOfSlot(slot), promoted);

  // The old connection is dead: the command fails, the client says broken.
  auto lost = c.Command({"GET", key});
  EXPECT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(c.broken());
  // As a worker does: connect again until it works; the seeds include the
  // dead node, which is skipped.
  std::optional<RedisClient> again;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = RedisClient::Connect(Target(), 1.0);
        if (!r.ok()) return false;
        auto got = r.value().Command({"GET", key});
        if (!got.ok()) return false;
        again.emplace(std::move(r.value()));
        return ReplyString(got.value().get()) == "kept";
      },
      20, 0.1));
  EXPECT_EQ(again->addr().port, cluster_->node(promoted).port());
}

}  // namespace
}  // namespace coyotes
