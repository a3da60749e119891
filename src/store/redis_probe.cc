#include "store/redis_probe.h"

#include <utility>

#include "store/async_connect.h"

namespace coyotes {

namespace {

RedisProbe* ProbeOf(const redisAsyncContext* c) {
  return static_cast<RedisProbe*>(c->data);
}

}  // namespace

RedisProbe::RedisProbe(EventBase* base)
    : base_(base), timeout_(base, -1, 0, [this](short) {
        Finish(Unavailable(where_ + ": no answer in time"), false);
      }) {}

RedisProbe::~RedisProbe() { Cancel(); }

void RedisProbe::Cancel() {
  done_ = nullptr;
  if (ctx_ != nullptr) Finish(Unavailable("cancelled"), false);
}

void RedisProbe::Ask(const HostPort& addr, const std::vector<std::string>& auth,
                     const std::vector<std::string>& command, double timeout_s,
                     Done done) {
  Cancel();
  where_ = addr.ToString();
  done_ = std::move(done);
  auto made = AsyncConnect(base_, addr, this, &RedisProbe::OnConnect,
                           &RedisProbe::OnDisconnect);
  if (!made.ok()) {
    Done d = std::move(done_);
    done_ = nullptr;
    d(made.status());
    return;
  }
  redisAsyncContext* c = made.value();
  ctx_ = c;
  if (!auth.empty()) AsyncCommandArgv(c, &RedisProbe::OnAuth, nullptr, auth);
  AsyncCommandArgv(c, &RedisProbe::OnAnswer, nullptr, command);
  timeout_.ArmTimer(timeout_s);
}

void RedisProbe::Finish(Result<const redisReply*> answer, bool hiredis_frees) {
  timeout_.Del();
  redisAsyncContext* c = ctx_;
  ctx_ = nullptr;
  if (c != nullptr) {
    c->data = nullptr;
    // Inside a callback hiredis defers the free until it returns; pending
    // callbacks then find no probe.
    if (!hiredis_frees) redisAsyncFree(c);
  }
  Done d = std::move(done_);
  done_ = nullptr;
  if (d) d(std::move(answer));
}

void RedisProbe::OnConnect(const redisAsyncContext* c, int status) noexcept {
  RedisProbe* self = ProbeOf(c);
  if (self == nullptr || status == REDIS_OK) return;
  // hiredis frees the context after this callback.
  const_cast<redisAsyncContext*>(c)->data = nullptr;
  self->Finish(Unavailable(self->where_ + ": " + c->errstr), true);
}

void RedisProbe::OnDisconnect(const redisAsyncContext* c, int) noexcept {
  RedisProbe* self = ProbeOf(c);
  if (self == nullptr) return;
  const_cast<redisAsyncContext*>(c)->data = nullptr;
  self->Finish(Unavailable(self->where_ + ": connection closed"), true);
}

void RedisProbe::OnAuth(redisAsyncContext* c, void* reply, void*) noexcept {
  RedisProbe* self = ProbeOf(c);
  auto* r = static_cast<redisReply*>(reply);
  if (self == nullptr || r == nullptr || r->type != REDIS_REPLY_ERROR) return;
  self->Finish(Status(StatusCode::kPermissionDenied,
                      self->where_ + " refused the password: " +
                          std::string(r->str, r->len)),
               false);
}

void RedisProbe::OnAnswer(redisAsyncContext* c, void* reply, void*) noexcept {
  RedisProbe* self = ProbeOf(c);
  if (self == nullptr) return;
  auto* r = static_cast<redisReply*>(reply);
  if (r == nullptr) {
    self->Finish(Unavailable(self->where_ + ": connection lost"), false);
  } else if (r->type == REDIS_REPLY_ERROR) {
    self->Finish(Status(StatusCode::kInternal,
                        self->where_ + ": " + std::string(r->str, r->len)),
                 false);
  } else {
    self->Finish(static_cast<const redisReply*>(r), false);
  }
}

}  // namespace coyotes
