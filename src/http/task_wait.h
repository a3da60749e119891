// TaskWaits: HTTP requests waiting for a task's end (?wait=SECONDS).
//
// A waiter is woken by the task events (store/event_subscriber.h), never by
// polling Redis: the daemon's one subscription hears every end, and a
// waiter whose task ended reads the record once. The subscription is made
// with the first waiter and dropped a while after the last: without it the
// master is not woken by every event of every task for nothing. A waiter is
// registered before its task's record is first read, so an end between the two
// is not missed; after the subscription is made again (Redis restarted, the
// master changed), every waiter reads its record once more, since events
// published meanwhile were lost. A client that disconnects ends its wait at
// once.
#ifndef COYOTES_HTTP_TASK_WAIT_H_
#define COYOTES_HTTP_TASK_WAIT_H_

#include <event2/http.h>

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/event_loop.h"
#include "base/status.h"
#include "store/async_redis.h"
#include "store/event_subscriber.h"
#include "store/redis_keys.h"

namespace coyotes {

// The longest ?wait= accepted, in seconds.
inline constexpr double kMaxWaitS = 300;

// Parses ?wait=: seconds, more than 0 and at most kMaxWaitS.
Result<double> ParseWait(const std::string& text);

// Whether a record in this state will not change by itself: succeeded,
// failed (retries are "delayed" records) or cancelled.
bool IsFinalState(const std::string& state);

class TaskWaits {
 public:
  using Fields = std::vector<std::pair<std::string, std::string>>;
  // The record as it is when the wait ends (empty: no such task), or the
  // Redis error that kept it from being read.
  using Done = std::function<void(Result<Fields>)>;

  // How long the subscription outlives the last waiter.
  static constexpr double kLingerS = 30;

  TaskWaits(EventBase* base, AsyncRedis* redis, const RedisKeys& keys,
            std::unique_ptr<EventSubscriber> events, double redis_wait_s);
  ~TaskWaits();
  TaskWaits(const TaskWaits&) = delete;

  // Hands `done` the record of task `id` once it is final, or after
  // `seconds`. `req` is the request that waits: if its client goes away,
  // the wait ends (and `done` is never called; the request is answered to
  // free it).
  void Wait(evhttp_request* req, const std::string& id, double seconds,
            Done done);
  // A task event (the JSON the scripts publish).
  void OnEvent(const std::string& json);
  // The subscription is (again) in place: events may have been missed.
  void Recheck();
  size_t waiting() const { return waiters_.size(); }

 private:
  struct Waiter;
  // Reads the record; answers if it is final or `force`. A read that
  // Redis refuses is tried once more when the connection is up, unless
  // `retried`.
  void Check(Waiter* w, bool force, bool retried = false);
  void Finish(Waiter* w, Result<Fields> record);
  void Forget(Waiter* w);

  EventBase* base_;
  AsyncRedis* redis_;
  const RedisKeys& keys_;
  double redis_wait_s_;
  std::list<std::unique_ptr<Waiter>> waiters_;
  uint64_t next_serial_ = 1;
  // False once we are destroyed: a Redis reply then finds no waiter.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  Event linger_;  // drops the subscription when nobody has waited a while
  // Last: stopped (no more callbacks) before the rest goes.
  std::unique_ptr<EventSubscriber> events_;
};

}  // namespace coyotes

#endif  // COYOTES_HTTP_TASK_WAIT_H_
