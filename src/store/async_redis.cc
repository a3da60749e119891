#include "store/async_redis.h"

#include <hiredis/adapters/libevent.h>

#include <algorithm>
#include <memory>

#include "base/log.h"

namespace coyotes {

namespace {

struct Pending {
  AsyncRedis::Callback cb;
};

}  // namespace

AsyncRedis::AsyncRedis(EventBase* base, RedisTarget target, std::string name)
    : base_(base),
      target_(std::move(target)),
      name_(std::move(name)),
      reconnect_(base, -1, 0, [this](short) { Connect(); }),
      waiter_timer_(base, -1, 0, [this](short) { ExpireWaiters(); }) {}

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
  redisAsyncContext* c =
      redisAsyncConnect(target_.addr.host.c_str(), target_.addr.port);
  if (c == nullptr || c->err) {
    LOGR(WARNING) << name_ << ": connect " << target_.addr.ToString() << ": "
                  << (c ? c->errstr : "out of memory");
    if (c) redisAsyncFree(c);
    ScheduleReconnect();
    return;
  }
  c->data = this;
  redisLibeventAttach(c, base_->get());
  redisAsyncSetConnectCallback(c, &AsyncRedis::OnConnect);
  redisAsyncSetDisconnectCallback(c, &AsyncRedis::OnDisconnect);
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
  Send({"PING"}, [this](Result<const redisReply*> r) {
    if (!r.ok()) return;
    ready_ = true;
    if (failures_ > 0)
      LOGR(INFO) << name_ << ": connected to Redis at "
                 << target_.addr.ToString() << " again";
    failures_ = 0;
    backoff_s_ = 0;
    if (on_ready_) on_ready_();
    WakeWaiters();
  });
}

void AsyncRedis::ScheduleReconnect() {
  if (stopped_) return;
  failures_++;
  backoff_s_ = std::clamp(backoff_s_ * 2, 0.1, 5.0);
  reconnect_.ArmTimer(backoff_s_);
}

void AsyncRedis::OnConnect(const redisAsyncContext* c, int status) noexcept {
  auto* self = static_cast<AsyncRedis*>(c->data);
  if (status != REDIS_OK) {
    // hiredis frees the context after this callback.
    if (self->failures_ == 0 || self->failures_ % 20 == 0)
      LOGR(WARNING) << self->name_ << ": connect "
                    << self->target_.addr.ToString() << ": " << c->errstr;
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
  if (status != REDIS_OK && !self->stopped_) {
    LOGR(WARNING) << self->name_
                  << ": lost the Redis connection: " << c->errstr;
    self->ScheduleReconnect();
  }
}

void AsyncRedis::OnReply(redisAsyncContext*, void* reply, void* priv) noexcept {
  std::unique_ptr<Pending> p(static_cast<Pending*>(priv));
  auto* r = static_cast<redisReply*>(reply);
  if (r == nullptr) {
    p->cb(Unavailable("Redis connection lost"));
  } else if (r->type == REDIS_REPLY_ERROR) {
    p->cb(
        Status(StatusCode::kInternal, "Redis: " + std::string(r->str, r->len)));
  } else {
    p->cb(static_cast<const redisReply*>(r));
  }
}

void AsyncRedis::Send(const std::vector<std::string>& argv, Callback cb) {
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* p = new Pending{std::move(cb)};
  if (redisAsyncCommandArgv(ctx_, &AsyncRedis::OnReply, p, ptrs.size(),
                            ptrs.data(), lens.data()) != REDIS_OK) {
    std::unique_ptr<Pending> owned(p);
    owned->cb(Unavailable("Redis connection is closing"));
  }
}

void AsyncRedis::Command(const std::vector<std::string>& argv, Callback cb) {
  if (!connected()) {
    cb(Unavailable("Redis is not connected (" + target_.addr.ToString() + ")"));
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
