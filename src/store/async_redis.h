// AsyncRedis: one hiredis asynchronous connection on the master's loop,
// which reconnects by itself with back-off.
//
// hiredis owns the redisAsyncContext and every reply: a reply is valid only
// during its callback, and the context is freed by hiredis after the
// disconnect callback. So we keep only a raw pointer, cleared in that
// callback, and hand callbacks a borrowed reply. Every pending callback is
// called exactly once: with the reply, or with a kUnavailable Status when
// the connection drops.
#ifndef COYOTES_STORE_ASYNC_REDIS_H_
#define COYOTES_STORE_ASYNC_REDIS_H_

#include <hiredis/async.h>

#include <chrono>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "base/event_loop.h"
#include "base/status.h"
#include "store/redis_client.h"

namespace coyotes {

class AsyncRedis {
 public:
  // The reply is borrowed: copy what you need before returning.
  using Callback = std::function<void(Result<const redisReply*>)>;

  AsyncRedis(EventBase* base, RedisTarget target, std::string name);
  ~AsyncRedis();
  AsyncRedis(const AsyncRedis&) = delete;

  // Connects now and after every loss, until Stop().
  void Start();
  void Stop();
  bool connected() const { return ctx_ != nullptr && ready_; }
  // Called each time a connection is ready (after AUTH and SELECT).
  void set_on_ready(std::function<void()> f) { on_ready_ = std::move(f); }
  // Runs `then` once: at once when connected, else as soon as the
  // connection is ready, or after `timeout_s` (then still unconnected), or
  // at Stop(). For work that needs Redis and would rather wait a moment
  // than fail while a connection is being made (--redis-wait).
  void WhenConnected(double timeout_s, std::function<void()> then);

  // Queues a command. Without a connection the callback runs at once with
  // kUnavailable.
  void Command(const std::vector<std::string>& argv, Callback cb);
  // EVALSHA; on NOSCRIPT falls back to EVAL (which caches the script).
  void Eval(const Script& script, const std::vector<std::string>& keys,
            const std::vector<std::string>& args, Callback cb);

 private:
  static void OnConnect(const redisAsyncContext* c, int status) noexcept;
  static void OnDisconnect(const redisAsyncContext* c, int status) noexcept;
  static void OnReply(redisAsyncContext* c, void* reply, void* priv) noexcept;
  void Send(const std::vector<std::string>& argv, Callback cb);
  void ScheduleReconnect();
  void Connect();
  // Runs and forgets every WhenConnected waiter.
  void WakeWaiters();

  EventBase* base_;
  RedisTarget target_;
  std::string name_;
  redisAsyncContext* ctx_ = nullptr;  // owned by hiredis
  bool ready_ = false;
  bool stopped_ = true;
  double backoff_s_ = 0;
  int failures_ = 0;
  Event reconnect_;
  std::function<void()> on_ready_;
  // Runs the waiters whose time is up, and arms the timer for the next.
  void ExpireWaiters();
  // In deadline order: every wait is as long (--redis-wait).
  struct Waiter {
    std::function<void()> then;
    std::chrono::steady_clock::time_point deadline;
  };
  std::deque<Waiter> waiters_;
  Event waiter_timer_;
  std::vector<std::pair<const char*, std::string>> shas_;  // name -> SHA1
};

}  // namespace coyotes

#endif  // COYOTES_STORE_ASYNC_REDIS_H_
