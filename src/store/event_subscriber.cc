#include "store/event_subscriber.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "base/log.h"
#include "store/async_connect.h"

namespace coyotes {

namespace {

EventSubscriber* SelfOf(const redisAsyncContext* c) {
  return static_cast<EventSubscriber*>(c->data);
}

}  // namespace

EventSubscriber::EventSubscriber(EventBase* base, RedisTarget target,
                                 std::string channel,
                                 std::function<HostPort()> where)
    : base_(base),
      target_(std::move(target)),
      channel_(std::move(channel)),
      where_(std::move(where)),
      reconnect_(base, -1, 0, [this](short) { Connect(); }) {}

EventSubscriber::~EventSubscriber() { Stop(); }

void EventSubscriber::Start(OnMessage on_message,
                            std::function<void()> on_subscribed) {
  on_message_ = std::move(on_message);
  on_subscribed_ = std::move(on_subscribed);
  stopped_ = false;
  Connect();
}

void EventSubscriber::Stop() {
  stopped_ = true;
  reconnect_.Del();
  if (ctx_ != nullptr) {
    redisAsyncContext* c = ctx_;
    ctx_ = nullptr;
    c->data = nullptr;  // the callbacks of the free find no subscriber
    redisAsyncFree(c);
  }
}

void EventSubscriber::Connect() {
  if (stopped_ || ctx_ != nullptr) return;
  const HostPort addr = where_();
  auto made = AsyncConnect(base_, addr, this, &EventSubscriber::OnConnect,
                           &EventSubscriber::OnDisconnect);
  if (!made.ok()) {
    if (failures_ == 0 || failures_ % 20 == 0)
      LOGR(WARNING) << "events: " << made.status().message();
    ScheduleReconnect();
    return;
  }
  redisAsyncContext* c = made.value();
  ctx_ = c;
  if (auto auth = AuthCommand(target_); !auth.empty())
    AsyncCommandArgv(c, &EventSubscriber::OnAuth, nullptr, auth);
  AsyncCommandArgv(c, &EventSubscriber::OnReply, nullptr,
                   {"SUBSCRIBE", channel_});
}

void EventSubscriber::ScheduleReconnect() {
  if (stopped_) return;
  failures_++;
  backoff_s_ = std::clamp(backoff_s_ * 2, 0.1, 5.0);
  reconnect_.ArmTimer(backoff_s_);
}

void EventSubscriber::OnConnect(const redisAsyncContext* c,
                                int status) noexcept {
  EventSubscriber* self = SelfOf(c);
  if (self == nullptr || status == REDIS_OK) return;
  // hiredis frees the context after this callback.
  self->ctx_ = nullptr;
  self->ScheduleReconnect();
}

void EventSubscriber::OnDisconnect(const redisAsyncContext* c, int) noexcept {
  EventSubscriber* self = SelfOf(c);
  if (self == nullptr) return;
  if (self->ctx_ == c) self->ctx_ = nullptr;
  if (self->stopped_) return;
  LOGR(WARNING) << "events: lost the subscription: " << c->errstr;
  self->ScheduleReconnect();
}

void EventSubscriber::OnAuth(redisAsyncContext* c, void* reply,
                             void*) noexcept {
  auto* r = static_cast<redisReply*>(reply);
  if (SelfOf(c) != nullptr && r != nullptr && r->type == REDIS_REPLY_ERROR)
    LOGR(ERROR) << "events: AUTH: " << std::string(r->str, r->len);
}

void EventSubscriber::OnReply(redisAsyncContext* c, void* reply,
                              void*) noexcept {
  EventSubscriber* self = SelfOf(c);
  auto* r = static_cast<redisReply*>(reply);
  if (self == nullptr || r == nullptr) return;
  if (r->type == REDIS_REPLY_ERROR) {
    // NOPERM (the ACL lacks +subscribe or the channel): say so; the
    // connection stays, and waits fall back to their deadline.
    LOGR(ERROR) << "events: SUBSCRIBE " << self->channel_ << ": "
                << std::string(r->str, r->len);
    return;
  }
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
      r->element[0]->type != REDIS_REPLY_STRING)
    return;
  std::string kind(r->element[0]->str, r->element[0]->len);
  if (kind == "subscribe") {
    if (self->failures_ > 0)
      LOGR(INFO) << "events: subscribed to " << self->channel_ << " again";
    self->failures_ = 0;
    self->backoff_s_ = 0;
    if (self->on_subscribed_) self->on_subscribed_();
  } else if (kind == "message" && r->element[2]->type == REDIS_REPLY_STRING) {
    if (self->on_message_)
      self->on_message_(std::string(r->element[2]->str, r->element[2]->len));
  }
}

}  // namespace coyotes
