#include "store/redis_client.h"

#include <strings.h>

#include <chrono>
#include <cstring>
#include <thread>

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
  if (!target.cluster_seeds.empty()) return ConnectCluster(target, timeout_s);
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

Result<SlotMap> FetchSlotMap(const RedisTarget& target,
                             const std::vector<HostPort>& nodes,
                             double timeout_s) {
  std::string errors;
  for (const HostPort& node : nodes) {
    RedisTarget t = target;
    t.addr = node;
    t.cluster_seeds.clear();
    auto c = RedisClient::Connect(t, timeout_s);
    if (!c.ok() && c.status().code() == StatusCode::kPermissionDenied)
      return c.status();
    auto r = c.ok() ? c.value().Command({"CLUSTER", "SLOTS"})
                    : Result<RedisReply>(c.status());
    auto map = r.ok() ? SlotMap::FromReply(r.value().get(), node) : r.status();
    if (map.ok() && !map.value().complete())
      map = Unavailable("its slot map leaves slots without a master");
    if (map.ok()) return map;
    // A wrong password is not worth asking the other nodes about.
    if (map.status().code() == StatusCode::kPermissionDenied) return map;
    errors += (errors.empty() ? "" : "; ") + node.ToString() + ": " +
              map.status().message();
  }
  return Unavailable("Redis Cluster: no seed node gave a slot map (" + errors +
                     ")");
}

Result<RedisClient> RedisClient::ConnectCluster(const RedisTarget& target,
                                                double timeout_s) {
  if (target.db != 0)
    return InvalidArgument("Redis Cluster has database 0 only");
  auto map = FetchSlotMap(target, target.cluster_seeds, timeout_s);
  if (!map.ok()) return map.status();
  Status last;
  for (const HostPort& node : map.value().nodes()) {
    RedisTarget t = target;
    t.addr = node;
    auto c = ConnectTo(t, timeout_s);
    if (!c.ok()) {
      last = c.status();
      if (last.code() == StatusCode::kPermissionDenied) return last;
      continue;
    }
    c.value().target_ = target;
    c.value().timeout_s_ = timeout_s;
    c.value().slots_ = std::make_unique<SlotMap>(std::move(map.value()));
    return c;
  }
  return last;
}

void RedisClient::SetTimeout(double seconds) {
  timeout_s_ = seconds;
  if (ctx_) redisSetTimeout(ctx_.get(), ToTimeval(seconds));
}

Status RedisClient::MoveTo(const HostPort& node) {
  RedisTarget t = target_;
  t.addr = node;
  auto c = ConnectTo(t, timeout_s_);
  if (!c.ok()) {
    // Broken now: the caller's next Connect asks the seeds for a new map,
    // which names the replica that replaces a dead master.
    ctx_.reset();
    return c.status();
  }
  ctx_ = std::move(c.value().ctx_);
  addr_ = node;
  return Status::Ok();
}

Result<RedisReply> RedisClient::SendAsking(const HostPort& node,
                                           const std::vector<std::string>& argv,
                                           const char* script_text) {
  RedisTarget t = target_;
  t.addr = node;
  auto c = ConnectTo(t, timeout_s_);
  if (!c.ok()) return c.status();
  std::vector<std::string> cmd = argv;
  // The importing node may not have the script: send its text.
  if (script_text != nullptr && strcasecmp(cmd[0].c_str(), "EVALSHA") == 0) {
    cmd[0] = "EVAL";
    cmd[1] = script_text;
  }
  auto asking = c.value().Command({"ASKING"});
  if (!asking.ok()) return asking.status();
  auto r = c.value().Send(cmd);
  if (!r.ok()) return r.status();
  if (r.value()->type == REDIS_REPLY_ERROR) {
    std::string_view msg(r.value()->str, r.value()->len);
    // TRYAGAIN here: the keys are split between the two nodes for now.
    if (msg.starts_with("TRYAGAIN"))
      return Unavailable("Redis: " + std::string(msg));
    return c.value().ReplyError(r.value().get());
  }
  return r;
}

Result<RedisReply> RedisClient::Command(const std::vector<std::string>& argv) {
  return Routed(argv, nullptr);
}

Result<RedisReply> RedisClient::Routed(const std::vector<std::string>& argv,
                                       const char* script_text) {
  if (broken()) return ContextError("Redis");
  if (!slots_) {
    auto r = Send(argv);
    if (r.ok() && r.value()->type == REDIS_REPLY_ERROR)
      return ReplyError(r.value().get());
    return r;
  }
  std::optional<int> slot;
  if (auto key = RoutingKey(argv)) slot = KeySlot(*key);
  constexpr int kMaxRedirects = 5;
  constexpr int kMaxTryAgain = 40;  // 50 ms apart: 2 s
  int redirects = 0, tries = 0;
  for (;;) {
    if (slot) {
      const HostPort* master = slots_->MasterOf(*slot);
      if (master == nullptr)
        return Unavailable("Redis Cluster: no master serves slot " +
                           std::to_string(*slot));
      if (master->ToString() != addr_.ToString()) {
        if (Status s = MoveTo(*master); !s.ok()) return s;
      }
    }
    auto r = Send(argv);
    if (!r.ok() || r.value()->type != REDIS_REPLY_ERROR) return r;
    std::string_view msg(r.value()->str, r.value()->len);
    auto redirect = ParseRedirect(msg);
    if (redirect && redirect->kind == Redirect::kAsk)
      return SendAsking(redirect->to, argv, script_text);
    if (redirect && ++redirects <= kMaxRedirects) {
      slots_->Move(redirect->slot, redirect->to);
      slot = redirect->slot;
      continue;
    }
    if (msg.starts_with("TRYAGAIN")) {
      // Keys split by a migration in progress: transient, never an answer.
      if (++tries > kMaxTryAgain)
        return Unavailable("Redis: " + std::string(msg));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    if (msg.starts_with("CLUSTERDOWN") || redirect) {
      // The map is wrong or the cluster is failing over: start afresh.
      LOGR(WARNING) << "Redis Cluster at " << addr_.ToString() << ": " << msg;
      ctx_.reset();
      return Unavailable("Redis: " + std::string(msg));
    }
    return ReplyError(r.value().get());
  }
}

Result<RedisReply> RedisClient::Send(const std::vector<std::string>& argv) {
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
  // In a cluster, to the node of the first command's key: the caller keeps
  // a pipeline's keys in one slot.
  std::optional<int> slot;
  if (slots_ && !cmds.empty())
    if (auto key = RoutingKey(cmds[0])) slot = KeySlot(*key);
  if (slot) {
    const HostPort* master = slots_->MasterOf(*slot);
    if (master == nullptr)
      return Unavailable("Redis Cluster: no master serves slot " +
                         std::to_string(*slot));
    if (master->ToString() != addr_.ToString())
      if (Status s = MoveTo(*master); !s.ok()) return s;
  }
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
      auto redirect = slots_ ? ParseRedirect(std::string_view(r->str, r->len))
                             : std::nullopt;
      // Not sent again: part of the pipeline may have run.
      if (redirect && redirect->kind == Redirect::kMoved)
        slots_->Move(redirect->slot, redirect->to);
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
    auto r = Routed(argv, script.text);
    if (r.ok() || r.status().message().find("NOSCRIPT") == std::string::npos)
      return r;
    // Redis restarted and lost its script cache: load again.
    std::erase_if(shas_, [&](const auto& p) { return p.first == script.name; });
    sha = nullptr;
  }
  return Internal(std::string(script.name) + ": NOSCRIPT after reload");
}

}  // namespace coyotes
