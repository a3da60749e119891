// Slots, slot maps, redirects and routing keys, without a cluster: replies
// are built by hiredis's own reader from RESP text, as they would arrive.
#include "store/cluster_slots.h"

#include <gtest/gtest.h>
#include <hiredis/read.h>

#include <memory>
#include <set>
#include <string>

#include "store/redis_client.h"
#include "store/redis_keys.h"

namespace coyotes {
namespace {

RedisReply Parse(const std::string& resp) {
  std::unique_ptr<redisReader, decltype(&redisReaderFree)> reader(
      redisReaderCreate(), redisReaderFree);
  EXPECT_EQ(redisReaderFeed(reader.get(), resp.data(), resp.size()), REDIS_OK);
  void* reply = nullptr;
  EXPECT_EQ(redisReaderGetReply(reader.get(), &reply), REDIS_OK);
  EXPECT_NE(reply, nullptr);
  return RedisReply(static_cast<redisReply*>(reply));
}

std::string Node(const std::string& host, int port, const std::string& id) {
  return "*3\r\n$" + std::to_string(host.size()) + "\r\n" + host +
         "\r\n:" + std::to_string(port) + "\r\n$" + std::to_string(id.size()) +
         "\r\n" + id + "\r\n";
}

TEST(ClusterSlots, KeySlotMatchesTheSpecification) {
  // CRC16-XMODEM("123456789") is 0x31C3; the rest are CLUSTER KEYSLOT's
  // answers on Redis 7.
  EXPECT_EQ(KeySlot("123456789"), 0x31C3 & 16383);
  EXPECT_EQ(KeySlot("somekey"), 11058);
  EXPECT_EQ(KeySlot("foo{hash_tag}"), 2515);
  EXPECT_EQ(KeySlot("bar{hash_tag}"), 2515);
  EXPECT_EQ(KeySlot("hash_tag"), 2515);
  EXPECT_EQ(KeySlot(""), 0);
}

TEST(ClusterSlots, HashTagRules) {
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("{user1000}.followers"));
  // The first '{' and the next '}' only.
  EXPECT_EQ(KeySlot("foo{bar}{zap}"), KeySlot("bar"));
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), KeySlot("{bar"));
  // An empty tag, or no closing brace: the whole key.
  EXPECT_NE(KeySlot("foo{}{bar}"), KeySlot("bar"));
  EXPECT_EQ(KeySlot("foo{}{bar}"), KeySlot(std::string("foo{}{bar}")));
  EXPECT_NE(KeySlot("foo{bar"), KeySlot("bar"));
}

TEST(ClusterSlots, SlotMapFromReply) {
  std::string resp = "*2\r\n";
  resp += "*4\r\n:0\r\n:8191\r\n" + Node("127.0.0.1", 7000, "a") +
          Node("127.0.0.1", 7003, "d");
  resp += "*3\r\n:8192\r\n:16383\r\n" + Node("", 7001, "b");
  RedisReply r = Parse(resp);
  HostPort asked{"10.0.0.9", 7001, ""};
  auto map = SlotMap::FromReply(r.get(), asked);
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_TRUE(map.value().complete());
  ASSERT_NE(map.value().MasterOf(0), nullptr);
  EXPECT_EQ(map.value().MasterOf(0)->ToString(), "127.0.0.1:7000");
  EXPECT_EQ(map.value().MasterOf(8191)->ToString(), "127.0.0.1:7000");
  // An empty host is the one we asked.
  EXPECT_EQ(map.value().MasterOf(8192)->ToString(), "10.0.0.9:7001");
  EXPECT_EQ(map.value().MasterOf(16384), nullptr);
  auto nodes = map.value().nodes();
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[2].ToString(), "127.0.0.1:7003");  // the replica, last

  SlotMap moved = map.value();
  moved.Move(5, HostPort{"127.0.0.1", 7001, ""});
  EXPECT_EQ(moved.MasterOf(5)->ToString(), "127.0.0.1:7001");
  EXPECT_EQ(moved.MasterOf(4)->ToString(), "127.0.0.1:7000");
}

TEST(ClusterSlots, IncompleteAndMalformedMaps) {
  RedisReply part =
      Parse("*1\r\n*3\r\n:0\r\n:99\r\n" + Node("127.0.0.1", 7000, "a"));
  auto map = SlotMap::FromReply(part.get(), HostPort{});
  ASSERT_TRUE(map.ok());
  EXPECT_FALSE(map.value().complete());
  EXPECT_EQ(map.value().MasterOf(100), nullptr);

  for (std::string bad :
       {std::string("+OK\r\n"), std::string("*1\r\n:5\r\n"),
        "*1\r\n*3\r\n:10\r\n:5\r\n" + Node("h", 1, "a"),
        "*1\r\n*3\r\n:0\r\n:16384\r\n" + Node("h", 1, "a"),
        std::string("*1\r\n*3\r\n:0\r\n:1\r\n*1\r\n$1\r\nh\r\n"),
        "*1\r\n*3\r\n:0\r\n:1\r\n" + Node("h", 70000, "a")}) {
    RedisReply r = Parse(bad);
    EXPECT_FALSE(SlotMap::FromReply(r.get(), HostPort{}).ok()) << bad;
  }
  EXPECT_FALSE(SlotMap::FromReply(nullptr, HostPort{}).ok());
}

TEST(ClusterSlots, Redirects) {
  auto moved = ParseRedirect("MOVED 3999 127.0.0.1:6381");
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->kind, Redirect::kMoved);
  EXPECT_EQ(moved->slot, 3999);
  EXPECT_EQ(moved->to.ToString(), "127.0.0.1:6381");
  auto ask = ParseRedirect("ASK 16383 [::1]:7002");
  ASSERT_TRUE(ask.has_value());
  EXPECT_EQ(ask->kind, Redirect::kAsk);
  EXPECT_EQ(ask->to.host, "::1");
  for (const char* other :
       {"ERR wrong", "MOVED", "MOVED 1", "MOVED x 1.2.3.4:5", "MOVED 16384 h:1",
        "MOVED 1 h", "MOVED 1 h:0", "ASK  h:1", "MOVEDX 1 h:1"})
    EXPECT_FALSE(ParseRedirect(other).has_value()) << other;
}

TEST(ClusterSlots, RoutingKeys) {
  using V = std::vector<std::string>;
  EXPECT_EQ(RoutingKey(V{"LPUSH", "q", "x"}).value(), "q");
  EXPECT_EQ(RoutingKey(V{"BLMOVE", "a", "b", "RIGHT", "LEFT", "1"}).value(),
            "a");
  EXPECT_EQ(RoutingKey(V{"EVALSHA", "sha", "2", "k1", "k2", "arg"}).value(),
            "k1");
  EXPECT_EQ(RoutingKey(V{"eval", "return 1", "1", "k"}).value(), "k");
  EXPECT_FALSE(RoutingKey(V{"EVAL", "return 1", "0"}).has_value());
  EXPECT_FALSE(RoutingKey(V{"EVALSHA", "sha", "1"}).has_value());
  EXPECT_FALSE(RoutingKey(V{"PING"}).has_value());
  EXPECT_FALSE(RoutingKey(V{"cluster", "slots"}).has_value());
  EXPECT_FALSE(RoutingKey(V{"PUBLISH", "coyotes:events", "x"}).has_value());
  EXPECT_FALSE(RoutingKey(V{"WAIT", "1", "100"}).has_value());
}

// Every key a channel's scripts touch shares one slot, whatever the
// namespace; the router's keys share the producers' list's slot, and that
// list keeps the name producers push to.
TEST(ClusterSlots, ClusterKeySchemaKeepsEachStepInOneSlot) {
  for (const std::string ns : {"", "ns", "a:b"}) {
    ClusterKeys k(ns);
    EXPECT_EQ(k.Prepare(), (ns.empty() ? "" : ns + ":") + "task:prepare:queue");
    int prepare = KeySlot(k.Prepare());
    EXPECT_EQ(KeySlot(k.RouterProc("host/router")), prepare) << ns;
    EXPECT_EQ(KeySlot(k.RouterLeases()), prepare) << ns;
    EXPECT_EQ(KeySlot(k.DeadLetters()), prepare) << ns;
    for (const std::string chan : {"default", "mail", "x.y:z-1", "b"}) {
      int slot = KeySlot(k.Queue(chan));
      EXPECT_EQ(slot, KeySlot(chan));
      for (const std::string& key :
           {k.Running(chan), k.Failed(chan), k.Distinct(chan), k.Delayed(chan),
            k.Leases(chan), k.Proc(chan, "h/default/0"), k.Stats(chan),
            k.Settings(chan), k.Callbacks(chan), k.Task(chan, "01J0ABC"),
            k.Output(chan, "01J0ABC")})
        EXPECT_EQ(KeySlot(key), slot) << key;
    }
    EXPECT_EQ(KeySlot(k.ScheduleDue()), KeySlot(k.Schedules()));
    EXPECT_EQ(KeySlot(k.ScheduleState("nightly")), KeySlot(k.Schedules()));
  }
  // Channels spread over the slots: 20 names, more than one node's share.
  ClusterKeys k("");
  std::set<int> thirds;
  for (int i = 0; i < 20; ++i)
    thirds.insert(KeySlot(k.Queue("chan" + std::to_string(i))) * 3 / 16384);
  EXPECT_EQ(thirds.size(), 3u);
}

}  // namespace
}  // namespace coyotes
