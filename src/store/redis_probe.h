// RedisProbe: one question to one Redis server (a sentinel, or a replica)
// on the master's loop: connect, AUTH, one command, the answer, close;
// never longer than a timeout.
//
// hiredis owns the context; it may free it only after a callback returns.
// So the probe lets go of a context before it answers (its `data` cleared,
// so that late callbacks find no probe), and the answer may start another
// question or destroy the probe.
#ifndef COYOTES_STORE_REDIS_PROBE_H_
#define COYOTES_STORE_REDIS_PROBE_H_

#include <hiredis/async.h>

#include <functional>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/event_loop.h"
#include "base/status.h"

namespace coyotes {

class RedisProbe {
 public:
  // The reply is borrowed: valid during the call only.
  using Done = std::function<void(Result<const redisReply*>)>;

  explicit RedisProbe(EventBase* base);
  ~RedisProbe();
  RedisProbe(const RedisProbe&) = delete;

  // Asks `command` of the server at `addr` (after `auth` when not empty).
  // `done` runs exactly once, unless Cancel() comes first. A question still
  // open is cancelled.
  void Ask(const HostPort& addr, const std::vector<std::string>& auth,
           const std::vector<std::string>& command, double timeout_s,
           Done done);
  void Cancel();
  bool busy() const { return ctx_ != nullptr; }

 private:
  static void OnConnect(const redisAsyncContext* c, int status) noexcept;
  static void OnDisconnect(const redisAsyncContext* c, int status) noexcept;
  static void OnAuth(redisAsyncContext* c, void* reply, void*) noexcept;
  static void OnAnswer(redisAsyncContext* c, void* reply, void*) noexcept;
  // Lets go of the context (freeing it unless hiredis is about to), then
  // answers.
  void Finish(Result<const redisReply*> answer, bool hiredis_frees);

  EventBase* base_;
  redisAsyncContext* ctx_ = nullptr;  // owned by hiredis
  std::string where_;
  Done done_;
  Event timeout_;
};

}  // namespace coyotes

#endif  // COYOTES_STORE_REDIS_PROBE_H_
