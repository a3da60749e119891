#include "store/sentinel.h"

#include <cstdlib>

#include "base/log.h"

namespace coyotes {

namespace {

std::string Text(const redisReply* r) {
  if (r == nullptr) return "";
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
    return std::string(r->str, r->len);
  if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
  return "";
}

bool SameAddr(const HostPort& a, const HostPort& b) {
  return a.host == b.host && a.port == b.port && a.unix_path == b.unix_path;
}

}  // namespace

RedisTarget SentinelTarget(const RedisTarget& target,
                           const HostPort& sentinel) {
  RedisTarget t;
  t.addr = sentinel;
  t.password = target.sentinel_password;
  return t;
}

Result<HostPort> ParseMasterAddrReply(const redisReply* r) {
  if (r == nullptr || r->type == REDIS_REPLY_NIL)
    return NotFound("the sentinel does not know this master name");
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 2)
    return Internal("unexpected answer: " + ReplyString(r));
  std::string port = Text(r->element[1]);
  auto addr = ParseHostPort("[" + Text(r->element[0]) + "]:" + port);
  if (!addr.ok() || addr.value().port == 0)
    return Internal("unexpected answer: " + ReplyString(r));
  return addr;
}

Result<std::string> ParseRoleReply(const redisReply* r) {
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
      Text(r->element[0]).empty())
    return Internal("unexpected ROLE answer: " + ReplyString(r));
  return Text(r->element[0]);
}

std::vector<HostPort> ParseReplicasReply(const redisReply* r) {
  std::vector<HostPort> out;
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY) return out;
  for (size_t i = 0; i < r->elements; i++) {
    const redisReply* fields = r->element[i];
    if (fields->type != REDIS_REPLY_ARRAY) continue;
    HostPort hp;
    for (size_t f = 0; f + 1 < fields->elements; f += 2) {
      std::string key = Text(fields->element[f]);
      if (key == "ip") hp.host = Text(fields->element[f + 1]);
      if (key == "port")
        hp.port = std::atoi(Text(fields->element[f + 1]).c_str());
    }
    if (!hp.host.empty() && hp.port > 0) out.push_back(hp);
  }
  return out;
}

Result<MasterAddr> AskSentinels(const RedisTarget& target) {
  std::string errors;
  for (const HostPort& s : target.sentinels) {
    auto c = RedisClient::Connect(SentinelTarget(target, s), kSentinelTimeoutS);
    Result<RedisReply> r =
        c.ok() ? c.value().Command({"SENTINEL", "get-master-addr-by-name",
                                    target.master_name})
               : Result<RedisReply>(c.status());
    if (r.ok()) {
      auto addr = ParseMasterAddrReply(r.value().get());
      if (addr.ok()) return MasterAddr{addr.value(), s.ToString()};
      r = addr.status();
    }
    errors += (errors.empty() ? "" : "; ") + s.ToString() + ": " +
              r.status().message();
  }
  return Unavailable("no sentinel named master '" + target.master_name + "' (" +
                     errors + ")");
}

bool MasterMoved(const RedisTarget& target, const HostPort& current) {
  for (const HostPort& s : target.sentinels) {
    auto c = RedisClient::Connect(SentinelTarget(target, s), kSentinelTimeoutS);
    if (!c.ok()) continue;
    auto named = c.value().Command(
        {"SENTINEL", "get-master-addr-by-name", target.master_name});
    if (!named.ok()) continue;
    auto addr = ParseMasterAddrReply(named.value().get());
    if (!addr.ok()) continue;
    if (!SameAddr(addr.value(), current)) return true;
    auto replicas =
        c.value().Command({"SENTINEL", "replicas", target.master_name});
    if (!replicas.ok()) return false;
    RedisTarget rt = target;
    rt.sentinels.clear();
    for (const HostPort& hp : ParseReplicasReply(replicas.value().get())) {
      rt.addr = hp;
      auto rc = RedisClient::Connect(rt, kSentinelTimeoutS);
      if (!rc.ok()) continue;
      auto role = rc.value().Command({"ROLE"});
      if (!role.ok()) continue;
      auto name = ParseRoleReply(role.value().get());
      if (name.ok() && name.value() == "master") return true;
    }
    return false;  // this sentinel answered: its word is enough
  }
  return false;
}

}  // namespace coyotes
