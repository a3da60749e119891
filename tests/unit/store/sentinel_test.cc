// The Sentinel replies the daemon reads, built as hiredis would build them.
#include "store/sentinel.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

namespace coyotes {
namespace {

// A reply tree owned by the test (freeReplyObject frees what hiredis made;
// these are ours).
struct Reply {
  redisReply r{};
  std::string text;
  std::vector<std::unique_ptr<Reply>> kids;
  std::vector<redisReply*> ptrs;
};

std::unique_ptr<Reply> Str(const std::string& s) {
  auto x = std::make_unique<Reply>();
  x->text = s;
  x->r.type = REDIS_REPLY_STRING;
  x->r.str = x->text.data();
  x->r.len = x->text.size();
  return x;
}

std::unique_ptr<Reply> Arr(std::vector<std::unique_ptr<Reply>> kids) {
  auto x = std::make_unique<Reply>();
  x->r.type = REDIS_REPLY_ARRAY;
  x->kids = std::move(kids);
  for (auto& k : x->kids) x->ptrs.push_back(&k->r);
  x->r.elements = x->ptrs.size();
  x->r.element = x->ptrs.data();
  return x;
}

template <typename... T>
std::vector<std::unique_ptr<Reply>> List(T... items) {
  std::vector<std::unique_ptr<Reply>> v;
  (v.push_back(std::move(items)), ...);
  return v;
}

TEST(SentinelReplies, MasterAddr) {
  auto r = Arr(List(Str("10.0.0.5"), Str("6380")));
  auto a = ParseMasterAddrReply(&r->r);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a.value().host, "10.0.0.5");
  EXPECT_EQ(a.value().port, 6380);

  auto v6 = Arr(List(Str("::1"), Str("7000")));
  ASSERT_TRUE(ParseMasterAddrReply(&v6->r).ok());
  EXPECT_EQ(ParseMasterAddrReply(&v6->r).value().host, "::1");
}

TEST(SentinelReplies, UnknownNameAndGarbage) {
  redisReply nil{};
  nil.type = REDIS_REPLY_NIL;
  EXPECT_EQ(ParseMasterAddrReply(&nil).status().code(), StatusCode::kNotFound);
  auto one = Arr(List(Str("10.0.0.5")));
  EXPECT_FALSE(ParseMasterAddrReply(&one->r).ok());
  auto bad_port = Arr(List(Str("h"), Str("port")));
  EXPECT_FALSE(ParseMasterAddrReply(&bad_port->r).ok());
  auto zero = Arr(List(Str("h"), Str("0")));
  EXPECT_FALSE(ParseMasterAddrReply(&zero->r).ok());
  EXPECT_FALSE(ParseMasterAddrReply(nullptr).ok());
}

TEST(SentinelReplies, Role) {
  auto master = Arr(List(Str("master"), Str("0")));
  EXPECT_EQ(ParseRoleReply(&master->r).value(), "master");
  auto replica = Arr(List(Str("slave"), Str("127.0.0.1"), Str("6379")));
  EXPECT_EQ(ParseRoleReply(&replica->r).value(), "slave");
  auto empty = Arr(List());
  EXPECT_FALSE(ParseRoleReply(&empty->r).ok());
  auto str = Str("master");
  EXPECT_FALSE(ParseRoleReply(&str->r).ok());
}

TEST(SentinelReplies, Replicas) {
  auto r = Arr(List(Arr(List(Str("name"), Str("127.0.0.1:7001"), Str("ip"),
                             Str("127.0.0.1"), Str("port"), Str("7001"))),
                    Arr(List(Str("ip"), Str("10.0.0.9"), Str("port"),
                             Str("6379"), Str("flags"), Str("slave"))),
                    Arr(List(Str("ip"), Str("10.0.0.10")))));  // no port
  auto replicas = ParseReplicasReply(&r->r);
  ASSERT_EQ(replicas.size(), 2u);
  EXPECT_EQ(replicas[0].ToString(), "127.0.0.1:7001");
  EXPECT_EQ(replicas[1].ToString(), "10.0.0.9:6379");
}

TEST(SentinelTarget, UsesTheSentinelPasswordOnly) {
  RedisTarget t;
  t.user = "coyotes";
  t.password = "redis-secret";
  t.db = 3;
  t.sentinel_password = "sentinel-secret";
  HostPort s{"127.0.0.1", 26379, ""};
  t.sentinels = {s};
  RedisTarget st = SentinelTarget(t, s);
  EXPECT_EQ(st.addr.ToString(), "127.0.0.1:26379");
  EXPECT_EQ(st.password, "sentinel-secret");
  EXPECT_TRUE(st.user.empty());
  EXPECT_EQ(st.db, 0);
  EXPECT_TRUE(st.sentinels.empty());  // never asks a sentinel's sentinels
}

}  // namespace
}  // namespace coyotes
