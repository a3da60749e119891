#include "store/redis_client.h"

#include <chrono>
#include <cstring>

#include "base/log.h"
#include "store/sentinel.h"

namespace coyotes {

namespace {

timeval ToTimeval(double s) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(s);
  tv.tv_usec = static_cast<suseconds_t>((s - tv.tv_sec) * 1e6);
  return tv;
}

Status ErrorReply(const redisReply* r) {
  std::string msg(r->str, r->len);
  if (msg.rfind("WRONGPASS", 0) == 0 || msg.rfind("NOAUTH", 0) == 0 ||
      msg.find("invalid password") != std::string::npos)
    return Status(StatusCode::kPermissionDenied, "Redis: " + msg);
  return Status(StatusCode::kInternal, "Redis: " + msg);
}

}  // namespace

std::string ReplyString(const redisReply* r) {
  if (r == nullptr) return "(no reply)";
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      return std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER:
      return std::to_string(r->integer);
    case REDIS_REPLY_NIL:
      return "(nil)";
    case REDIS_REPLY_ARRAY: {
      std::string s = "[";
      for (size_t i = 0; i < r->elements; i++)
        s += (i ? ", " : "") + ReplyString(r->element[i]);
      return s + "]";
    }
  }
  return "(?)";
}

Status RedisClient::ContextError(const char* what) const {
  std::string err = ctx_ ? ctx_->errstr : "no connection";
  return Unavailable(std::string(what) + ": " + err);
}

RedisTarget RedisTargetOf(const Config& config) {
  return RedisTarget{config.redis_addr,
                     config.redis_user,
                     config.redis_password,
                     config.redis_db,
                     config.redis_sentinels,
                     config.redis_master_name,
                     config.redis_sentinel_password};
}

std::string RedisWhere(const Config& config) {
  if (config.redis_sentinels.empty()) return config.redis_addr.ToString();
  std::string list;
  for (const HostPort& s : config.redis_sentinels)
    list += (list.empty() ? "" : ",") + s.ToString();
  return "sentinel master '" + config.redis_master_name + "' (" + list + ")";
}

std::vector<std::string> AuthCommand(const RedisTarget& t) {
  if (t.password.empty()) return {};
  if (t.user.empty()) return {"AUTH", t.password};
  return {"AUTH", t.user, t.password};
}

Result<RedisClient> RedisClient::Connect(const RedisTarget& target,
                                         double timeout_s) {
  if (target.sentinels.empty()) return ConnectTo(target, timeout_s);
  auto master = AskSentinels(target);
  if (!master.ok()) return master.status();
  RedisTarget t = target;
  t.addr = master.value().addr;
  auto c = ConnectTo(t, timeout_s);
  if (!c.ok()) return c.status();
  auto role = c.value().Command({"ROLE"});
  if (!role.ok()) {
    if (role.status().message().find("NOPERM") != std::string::npos)
      return Status(StatusCode::kPermissionDenied,
                    "Redis at " + t.addr.ToString() +
                        " refused ROLE, which --redis-sentinel needs to "
                        "confirm the master (ACL: +role): " +
                        role.status().message());
    return role.status();
  }
  auto name = ParseRoleReply(role.value().get());
  if (!name.ok()) return Unavailable(name.status().message());
  if (name.value() != "master")
    return Unavailable(t.addr.ToString() + ", named master by sentinel " +
                       master.value().named_by + ", is a " + name.value() +
                       " (a failover in progress?)");
  c.value().target_ = target;
  return c;
}

Result<RedisClient> RedisClient::ConnectTo(const RedisTarget& t,
                                           double timeout_s) {
  redisContext* raw =
      t.addr.is_unix()
          ? redisConnectUnixWithTimeout(t.addr.unix_path.c_str(),
                                        ToTimeval(timeout_s))
          : redisConnectWithTimeout(t.addr.host.c_str(), t.addr.port,
                                    ToTimeval(timeout_s));
  if (raw == nullptr) return Unavailable("Redis: out of memory");
  RedisClient c(raw);
  c.target_ = t;
  c.addr_ = t.addr;
  if (raw->err)
    return Unavailable("connect " + t.addr.ToString() + ": " + raw->errstr);
  // Keep-alive probes a TCP peer that vanished; a Unix socket has none.
  if (!t.addr.is_unix()) redisEnableKeepAlive(raw);
  c.SetTimeout(timeout_s);
  if (auto auth = AuthCommand(t); !auth.empty()) {
    auto r = c.Command(auth);
    if (!r.ok()) {
      // Any refusal of AUTH is a wrong user or password (or none set).
      if (r.status().code() != StatusCode::kUnavailable)
        return Status(StatusCode::kPermissionDenied, "Redis at " +
                                                         t.addr.ToString() +
                                                         " refused the "
                                                         "credentials: " +
                                                         r.status().message());
      return r.status();
    }
  }
  if (t.db != 0) {
    auto r = c.Command({"SELECT", std::to_string(t.db)});
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kUnavailable) return r.status();
      return Status(
          StatusCode::kPermissionDenied,
          "--redis-db " + std::to_string(t.db) + ": " + r.status().message());
    }
  }
  return c;
}

void RedisClient::SetTimeout(double seconds) {
  if (ctx_) redisSetTimeout(ctx_.get(), ToTimeval(seconds));
}

Result<RedisReply> RedisClient::Command(const std::vector<std::string>& argv) {
  if (broken()) return ContextError("Redis");
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  RedisReply r(static_cast<redisReply*>(
      redisCommandArgv(ctx_.get(), ptrs.size(), ptrs.data(), lens.data())));
  if (!r) return ContextError(argv[0].c_str());
  if (r->type == REDIS_REPLY_ERROR) return ReplyError(r.get());
  return r;
}

Status RedisClient::ReplyError(const redisReply* r) {
  Status s = ErrorReply(r);
  std::string_view msg(r->str, r->len);
  if (msg.starts_with("READONLY") || msg.starts_with("UNBLOCKED")) {
    LOGR(WARNING) << "Redis at " << addr_.ToString()
                  << " is no longer the master: " << msg;
    ctx_.reset();
    return Unavailable(s.message());
  }
  return s;
}

Status RedisClient::WaitReplicas() {
  if (wait_replicas_ <= 0) return Status::Ok();
  auto r = Command({"WAIT", std::to_string(wait_replicas_),
                    std::to_string(wait_timeout_ms_)});
  if (!r.ok()) return r.status();
  long long acked =
      r.value()->type == REDIS_REPLY_INTEGER ? r.value()->integer : 0;
  if (acked >= wait_replicas_) return Status::Ok();
  if (!target_.sentinels.empty() && MasterMoved(target_, addr_)) {
    ctx_.reset();
    return Unavailable(
        "Redis at " + addr_.ToString() + " was replaced as master before " +
        std::to_string(wait_replicas_) + " replica(s) had the write");
  }
  // One line a second at most: a replica that stays behind would otherwise
  // write one per task.
  auto now = std::chrono::steady_clock::now();
  short_since_log_++;
  if (now - last_short_log_ >= std::chrono::seconds(1)) {
    LOGR(WARNING) << "only " << acked << " of " << wait_replicas_
                  << " replica(s) confirmed within " << wait_timeout_ms_
                  << " ms (" << short_since_log_
                  << " write(s) since the last such line); they count all the "
                     "same (--redis-wait-replicas)";
    last_short_log_ = now;
    short_since_log_ = 0;
  }
  if (!stats_key_.empty())
    (void)Command({"HINCRBY", stats_key_, "replica_wait_timeouts", "1"});
  return Status::Ok();
}

Result<std::vector<RedisReply>> RedisClient::Pipeline(
    const std::vector<std::vector<std::string>>& cmds) {
  if (broken()) return ContextError("Redis");
  for (const auto& argv : cmds) {
    std::vector<const char*> ptrs;
    std::vector<size_t> lens;
    for (const auto& a : argv) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_.get(), ptrs.size(), ptrs.data(),
                               lens.data()) != REDIS_OK)
      return ContextError("pipeline");
  }
  std::vector<RedisReply> replies;
  Status first_error;
  for (size_t i = 0; i < cmds.size(); i++) {
    void* raw = nullptr;
    if (redisGetReply(ctx_.get(), &raw) != REDIS_OK)
      return ContextError("pipeline");
    RedisReply r(static_cast<redisReply*>(raw));
    if (r->type == REDIS_REPLY_ERROR && first_error.ok()) {
      first_error = ReplyError(r.get());
      if (broken()) return first_error;  // closed: the rest never arrive
    }
    replies.push_back(std::move(r));
  }
  if (!first_error.ok()) return first_error;
  return replies;
}

Result<RedisReply> RedisClient::Eval(const Script& script,
                                     const std::vector<std::string>& keys,
                                     const std::vector<std::string>& args) {
  const std::string* sha = nullptr;
  for (const auto& [name, s] : shas_)
    if (name == script.name) sha = &s;
  for (int attempt = 0; attempt < 2; attempt++) {
    if (sha == nullptr) {
      auto loaded = Command({"SCRIPT", "LOAD", script.text});
      if (!loaded.ok()) return loaded.status().Annotate(script.name);
      shas_.emplace_back(script.name, ReplyString(loaded.value().get()));
      sha = &shas_.back().second;
    }
    std::vector<std::string> argv = {"EVALSHA", *sha,
                                     std::to_string(keys.size())};
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = Command(argv);
    if (r.ok() || r.status().message().find("NOSCRIPT") == std::string::npos)
      return r;
    // Redis restarted and lost its script cache: load again.
    std::erase_if(shas_, [&](const auto& p) { return p.first == script.name; });
    sha = nullptr;
  }
  return Internal(std::string(script.name) + ": NOSCRIPT after reload");
}

}  // namespace coyotes
