// EventSubscriber: the daemon's one SUBSCRIBE connection, to the task
// events channel (P coyotes:events, published by the scripts that change a
// task's state), on the master's loop. It reconnects by itself with
// back-off; after each (re)subscription it says so, since messages
// published while it was away are lost to it (publish/subscribe keeps no
// history) and whoever relies on them must look again.
//
// A subscription is not a command connection: hiredis calls the SUBSCRIBE
// callback once per message, so this class does not share AsyncRedis's
// one-reply-per-callback bookkeeping.
#ifndef COYOTES_STORE_EVENT_SUBSCRIBER_H_
#define COYOTES_STORE_EVENT_SUBSCRIBER_H_

#include <hiredis/async.h>

#include <functional>
#include <string>

#include "base/config.h"
#include "base/event_loop.h"
#include "store/redis_client.h"

namespace coyotes {

class EventSubscriber {
 public:
  using OnMessage = std::function<void(const std::string& payload)>;

  // `where` names the server to subscribe on at each connection (with
  // sentinels: the master the command connection uses now; a replica
  // would do too, since PUBLISH is replicated).
  EventSubscriber(EventBase* base, RedisTarget target, std::string channel,
                  std::function<HostPort()> where);
  ~EventSubscriber();
  EventSubscriber(const EventSubscriber&) = delete;

  void Start(OnMessage on_message, std::function<void()> on_subscribed);
  void Stop();
  bool running() const { return !stopped_; }

 private:
  static void OnConnect(const redisAsyncContext* c, int status) noexcept;
  static void OnDisconnect(const redisAsyncContext* c, int status) noexcept;
  static void OnReply(redisAsyncContext* c, void* reply, void*) noexcept;
  static void OnAuth(redisAsyncContext* c, void* reply, void*) noexcept;
  void Connect();
  void ScheduleReconnect();

  EventBase* base_;
  RedisTarget target_;
  std::string channel_;
  std::function<HostPort()> where_;
  OnMessage on_message_;
  std::function<void()> on_subscribed_;
  redisAsyncContext* ctx_ = nullptr;  // owned by hiredis
  bool stopped_ = true;
  double backoff_s_ = 0;
  int failures_ = 0;
  Event reconnect_;
};

}  // namespace coyotes

#endif  // COYOTES_STORE_EVENT_SUBSCRIBER_H_
