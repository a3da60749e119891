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
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/event_loop.h"
#include "base/status.h"
#include "store/redis_client.h"
#include "store/sentinel_async.h"

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
  // Called each time a connection attempt fails or a connection is lost,
  // before the next try (not at Stop()): for a caller that must learn at
  // once that the server went, e.g. to look for the one replacing it.
  void set_on_down(std::function<void()> f) { on_down_ = std::move(f); }
  // Runs `then` once: at once when connected, else as soon as the
  // connection is ready, or after `timeout_s` (then still unconnected), or
  // at Stop(). For work that needs Redis and would rather wait a moment
  // than fail while a connection is being made (--redis-wait).
  void WhenConnected(double timeout_s, std::function<void()> then);

  // The server connected to (or last tried), and with sentinels the one
  // that named it ("" without).
  std::string addr() const { return addr_.ToString(); }
  const HostPort& current() const { return addr_; }
  const std::string& named_by() const { return named_by_; }

  // --redis-wait-replicas for WaitReplicas; a shortfall is counted in the
  // hash `stats_key`.
  void set_replica_wait(int n, int timeout_ms, std::string stats_key) {
    wait_replicas_ = n;
    wait_timeout_ms_ = timeout_ms;
    stats_key_ = std::move(stats_key);
  }
  // After a write: waits for the replicas (WAIT), then runs `then` with Ok,
  // also when they fell short (logged and counted), unless with sentinels
  // the master was replaced meanwhile: then the write may be lost with it,
  // and `then` gets kUnavailable.
  void WaitReplicas(std::function<void(Status)> then);

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
  // With sentinels, asks them first; then ConnectTo.
  void Connect();
  void ConnectTo(const HostPort& addr);
  // The connection's first answer: PING's, or with sentinels ROLE's, which
  // must say master.
  void OnFirstReply(Result<const redisReply*> r);
  // Closes the connection (a new one follows): it reaches a replica now.
  void Drop();
  void ReplicasShort(long long acked, std::function<void(Status)> then);
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
  std::function<void()> on_down_;
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

  HostPort addr_;
  std::string named_by_;
  SentinelAsk resolver_;  // which server is the master
  SentinelAsk checker_;   // whether it still is, after a WAIT fell short
  std::vector<std::function<void(bool moved)>> check_waiters_;
  int wait_replicas_ = 0;
  int wait_timeout_ms_ = 100;
  std::string stats_key_;
  std::chrono::steady_clock::time_point last_short_log_;
  long long short_since_log_ = 0;
};

// The text of the error a server answered ("MOVED 3999 10.0.0.2:6381"), when
// `s` is one a callback got for an error reply; nullopt for any other
// failure (no connection, a lost one). Valid as long as `s`.
std::optional<std::string_view> ServerErrorText(const Status& s);

}  // namespace coyotes

#endif  // COYOTES_STORE_ASYNC_REDIS_H_
