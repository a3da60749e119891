#include "store/async_redis.h"

#include <algorithm>
#include <memory>

#include "base/log.h"
#include "store/async_connect.h"

namespace coyotes {

namespace {

struct Pending {
  AsyncRedis::Callback cb;
};

// Before the server's text in the Status of an error reply; ServerErrorText
// takes it off again.
constexpr std::string_view kServerErrorPrefix = "Redis: ";

}  // namespace

std::optional<std::string_view> ServerErrorText(const Status& s) {
  std::string_view m = s.message();
  if (s.code() != StatusCode::kInternal || !m.starts_with(kServerErrorPrefix))
    return std::nullopt;
  m.remove_prefix(kServerErrorPrefix.size());
  return m;
}

AsyncRedis::AsyncRedis(EventBase* base, RedisTarget target, std::string name)
    : base_(base),
      target_(std::move(target)),
      name_(std::move(name)),
      reconnect_(base, -1, 0, [this](short) { Connect(); }),
      waiter_timer_(base, -1, 0, [this](short) { ExpireWaiters(); }),
      addr_(target_.addr),
      resolver_(base, target_),
      checker_(base, target_) {}

AsyncRedis::~AsyncRedis() { Stop(); }

void AsyncRedis::Start() {
  stopped_ = false;
  Connect();
}

void AsyncRedis::WhenConnected(double timeout_s, std::function<void()> then) {
  if (connected() || stopped_ || timeout_s <= 0) {
    then();
    return;
  }
  auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(timeout_s));
  if (!waiters_.empty() && deadline < waiters_.back().deadline)
    deadline = waiters_.back().deadline;  // keep the order; at most a tick
  waiters_.push_back(Waiter{std::move(then), deadline});
  if (!waiter_timer_.pending()) ExpireWaiters();
}

void AsyncRedis::ExpireWaiters() {
  auto now = std::chrono::steady_clock::now();
  while (!waiters_.empty() && waiters_.front().deadline <= now) {
    // Out of the queue before it runs: its work may queue another wait.
    auto then = std::move(waiters_.front().then);
    waiters_.pop_front();
    then();
  }
  if (!waiters_.empty())
    waiter_timer_.ArmTimer(
        std::chrono::duration<double>(waiters_.front().deadline - now).count());
}

void AsyncRedis::WakeWaiters() {
  waiter_timer_.Del();
  // Taken out first: a waiter's work may add waiters or stop us.
  std::deque<Waiter> ready;
  ready.swap(waiters_);
  for (Waiter& w : ready) w.then();
}

void AsyncRedis::Stop() {
  stopped_ = true;
  reconnect_.Del();
  resolver_.Cancel();
  checker_.Cancel();
  auto checks = std::move(check_waiters_);
  check_waiters_.clear();
  for (auto& w : checks) w(true);  // in doubt: not accepted
  WakeWaiters();
  if (ctx_ != nullptr) {
    redisAsyncContext* c = ctx_;
    // hiredis calls every pending callback with a NULL reply, then the
    // disconnect callback, then frees the context.
    redisAsyncFree(c);
    ctx_ = nullptr;
    ready_ = false;
  }
}

void AsyncRedis::Connect() {
  if (stopped_ || ctx_ != nullptr) return;
  if (target_.sentinels.empty()) {
    ConnectTo(target_.addr);
    return;
  }
  if (resolver_.busy()) return;
  resolver_.AskMaster([this](Result<MasterAddr> m) {
    if (stopped_ || ctx_ != nullptr) return;
    if (!m.ok()) {
      if (failures_ == 0 || failures_ % 20 == 0)
        LOGR(WARNING) << name_ << ": " << m.status().message();
      ScheduleReconnect();
      return;
    }
    if (m.value().addr.ToString() != addr_.ToString() || named_by_.empty())
      LOGR(INFO) << name_ << ": sentinel " << m.value().named_by << " names "
                 << m.value().addr.ToString() << " master '"
                 << target_.master_name << "'";
    named_by_ = m.value().named_by;
    ConnectTo(m.value().addr);
  });
}

void AsyncRedis::ConnectTo(const HostPort& addr) {
  addr_ = addr;
  auto made = AsyncConnect(base_, addr, this, &AsyncRedis::OnConnect,
                           &AsyncRedis::OnDisconnect);
  if (!made.ok()) {
    LOGR(WARNING) << name_ << ": " << made.status().message();
    ScheduleReconnect();
    return;
  }
  redisAsyncContext* c = made.value();
  ctx_ = c;
  ready_ = false;
  // Queued before the connection completes; hiredis sends them in order.
  if (auto auth = AuthCommand(target_); !auth.empty())
    Send(auth, [this](Result<const redisReply*> r) {
      if (!r.ok()) LOGR(ERROR) << name_ << ": AUTH: " << r.status().message();
    });
  if (target_.db != 0)
    Send({"SELECT", std::to_string(target_.db)},
         [this](Result<const redisReply*> r) {
           if (!r.ok())
             LOGR(ERROR) << name_ << ": SELECT: " << r.status().message();
         });
  Send({target_.sentinels.empty() ? "PING" : "ROLE"},
       [this](Result<const redisReply*> r) { OnFirstReply(std::move(r)); });
}

void AsyncRedis::OnFirstReply(Result<const redisReply*> r) {
  if (!target_.sentinels.empty() && r.ok()) {
    auto role = ParseRoleReply(r.value());
    if (!role.ok() || role.value() != "master") {
      LOGR(WARNING) << name_ << ": " << addr_.ToString()
                    << ", named master by sentinel " << named_by_ << ", is "
                    << (role.ok() ? "a " + role.value()
                                  : role.status().message())
                    << "; asking the sentinels again";
      Drop();
      return;
    }
  } else if (!target_.sentinels.empty()) {
    // No ROLE, no way to tell a master: say so, and keep trying.
    LOGR(ERROR) << name_ << ": ROLE at " << addr_.ToString() << ": "
                << r.status().message()
                << (r.status().message().find("NOPERM") != std::string::npos
                        ? " (--redis-sentinel needs ROLE: ACL +role)"
                        : "");
    Drop();
    return;
  }
  if (!r.ok()) {
    // LOADING (Redis restarted and reads its AOF), or the connection went:
    // this connection would never become ready; make another, with
    // back-off, as after a loss.
    if (failures_ == 0 || failures_ % 20 == 0)
      LOGR(WARNING) << name_ << ": Redis at " << addr_.ToString()
                    << " is not ready: " << r.status().message();
    Drop();
    return;
  }
  ready_ = true;
  if (failures_ > 0)
    LOGR(INFO) << name_ << ": connected to Redis at " << addr_.ToString()
               << " again";
  failures_ = 0;
  backoff_s_ = 0;
  if (on_ready_) on_ready_();
  WakeWaiters();
}

void AsyncRedis::Drop() {
  ready_ = false;
  // hiredis answers what is pending, then calls OnDisconnect, which
  // reconnects.
  if (ctx_ != nullptr) redisAsyncDisconnect(ctx_);
}

void AsyncRedis::WaitReplicas(std::function<void(Status)> then) {
  if (wait_replicas_ <= 0) {
    then(Status::Ok());
    return;
  }
  Command({"WAIT", std::to_string(wait_replicas_),
           std::to_string(wait_timeout_ms_)},
          [this, then = std::move(then)](Result<const redisReply*> r) mutable {
            if (!r.ok()) {
              then(r.status());
              return;
            }
            long long acked =
                r.value()->type == REDIS_REPLY_INTEGER ? r.value()->integer : 0;
            if (acked >= wait_replicas_) {
              then(Status::Ok());
              return;
            }
            ReplicasShort(acked, std::move(then));
          });
}

void AsyncRedis::ReplicasShort(long long acked,
                               std::function<void(Status)> then) {
  auto counts = [this, acked](std::function<void(Status)>& then) {
    auto now = std::chrono::steady_clock::now();
    short_since_log_++;
    // One line a second at most: a replica that stays behind would
    // otherwise write one per task.
    if (now - last_short_log_ >= std::chrono::seconds(1)) {
      LOGR(WARNING) << name_ << ": only " << acked << " of " << wait_replicas_
                    << " replica(s) confirmed within " << wait_timeout_ms_
                    << " ms (" << short_since_log_
                    << " write(s) since the last such line); they count all "
                    << "the same (--redis-wait-replicas)";
      last_short_log_ = now;
      short_since_log_ = 0;
    }
    if (!stats_key_.empty())
      Command({"HINCRBY", stats_key_, "replica_wait_timeouts", "1"},
              [](Result<const redisReply*>) {});
    then(Status::Ok());
  };
  if (target_.sentinels.empty()) {
    counts(then);
    return;
  }
  check_waiters_.push_back(
      [this, counts, then = std::move(then)](bool moved) mutable {
        if (!moved) {
          counts(then);
          return;
        }
        then(Unavailable("Redis at " + addr_.ToString() +
                         " was replaced as master before the replicas had "
                         "the write"));
      });
  if (checker_.busy()) return;
  checker_.CheckMoved(addr_, [this](bool moved) {
    if (moved) {
      LOGR(WARNING) << name_ << ": " << addr_.ToString()
                    << " is no longer the master; asking the sentinels again";
      Drop();
    }
    auto waiters = std::move(check_waiters_);
    check_waiters_.clear();
    for (auto& w : waiters) w(moved);
  });
}

void AsyncRedis::ScheduleReconnect() {
  if (stopped_) return;
  failures_++;
  backoff_s_ = std::clamp(backoff_s_ * 2, 0.1, 5.0);
  reconnect_.ArmTimer(backoff_s_);
  // Last: the hook may stop us.
  if (on_down_) on_down_();
}

void AsyncRedis::OnConnect(const redisAsyncContext* c, int status) noexcept {
  auto* self = static_cast<AsyncRedis*>(c->data);
  if (status != REDIS_OK) {
    // hiredis frees the context after this callback.
    if (self->failures_ == 0 || self->failures_ % 20 == 0)
      LOGR(WARNING) << self->name_ << ": connect " << self->addr_.ToString()
                    << ": " << c->errstr;
    self->ctx_ = nullptr;
    self->ready_ = false;
    self->ScheduleReconnect();
  }
}

void AsyncRedis::OnDisconnect(const redisAsyncContext* c, int status) noexcept {
  auto* self = static_cast<AsyncRedis*>(c->data);
  if (self->ctx_ == c) {
    self->ctx_ = nullptr;
    self->ready_ = false;
  }
  if (self->stopped_) return;
  // Status OK: we closed it ourselves (Drop); reconnect all the same.
  if (status != REDIS_OK)
    LOGR(WARNING) << self->name_
                  << ": lost the Redis connection: " << c->errstr;
  self->ScheduleReconnect();
}

void AsyncRedis::OnReply(redisAsyncContext* c, void* reply,
                         void* priv) noexcept {
  std::unique_ptr<Pending> p(static_cast<Pending*>(priv));
  auto* r = static_cast<redisReply*>(reply);
  if (r == nullptr) {
    p->cb(Unavailable("Redis connection lost"));
  } else if (r->type == REDIS_REPLY_ERROR &&
             (std::string_view(r->str, r->len).starts_with("READONLY") ||
              std::string_view(r->str, r->len).starts_with("UNBLOCKED"))) {
    // The server became a replica (a failover): find the master again.
    auto* self = static_cast<AsyncRedis*>(c->data);
    if (self->ctx_ == c && self->ready_) {
      LOGR(WARNING) << self->name_ << ": " << self->addr_.ToString()
                    << " answers as a replica now: "
                    << std::string_view(r->str, r->len);
      self->Drop();
    }
    p->cb(Unavailable("Redis: " + std::string(r->str, r->len)));
  } else if (r->type == REDIS_REPLY_ERROR) {
    p->cb(Status(StatusCode::kInternal, std::string(kServerErrorPrefix) +
                                            std::string(r->str, r->len)));
  } else {
    p->cb(static_cast<const redisReply*>(r));
  }
}

void AsyncRedis::Send(const std::vector<std::string>& argv, Callback cb) {
  auto* p = new Pending{std::move(cb)};
  if (AsyncCommandArgv(ctx_, &AsyncRedis::OnReply, p, argv) != REDIS_OK) {
    std::unique_ptr<Pending> owned(p);
    owned->cb(Unavailable("Redis connection is closing"));
  }
}

void AsyncRedis::Command(const std::vector<std::string>& argv, Callback cb) {
  if (!connected()) {
    cb(Unavailable("Redis is not connected (" + addr_.ToString() + ")"));
    return;
  }
  Send(argv, std::move(cb));
}

void AsyncRedis::Eval(const Script& script,
                      const std::vector<std::string>& keys,
                      const std::vector<std::string>& args, Callback cb) {
  auto build = [&](const std::string& verb, const std::string& body) {
    std::vector<std::string> argv = {verb, body, std::to_string(keys.size())};
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  };
  auto eval_text = build("EVAL", script.text);
  const std::string* sha = nullptr;
  for (const auto& [n, s] : shas_)
    if (n == script.name) sha = &s;
  if (sha == nullptr) {
    // First use on this daemon: EVAL caches the script in Redis; learn its
    // SHA for the next calls.
    Command({"SCRIPT", "LOAD", script.text}, [this, name = script.name](
                                                 Result<const redisReply*> r) {
      if (r.ok() && r.value()->type == REDIS_REPLY_STRING)
        shas_.emplace_back(name, std::string(r.value()->str, r.value()->len));
    });
    Command(eval_text, std::move(cb));
    return;
  }
  Command(build("EVALSHA", *sha), [this, eval_text = std::move(eval_text),
                                   cb = std::move(cb)](
                                      Result<const redisReply*> r) mutable {
    if (!r.ok() && r.status().message().find("NOSCRIPT") != std::string::npos) {
      Command(eval_text, std::move(cb));  // Redis lost its cache
      return;
    }
    cb(std::move(r));
  });
}

}  // namespace coyotes
