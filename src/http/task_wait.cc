#include "http/task_wait.h"

#include <jansson.h>

#include <cmath>
#include <cstdlib>

#include "base/json_util.h"
#include "http/api_common.h"
#include "http/client_watch.h"
#include "http/http_server.h"

namespace coyotes {

struct TaskWaits::Waiter {
  evhttp_request* req;
  std::string id;
  Done done;
  std::unique_ptr<Event> timer;
  std::unique_ptr<ClientWatch> client;  // ends the wait when it leaves
  uint64_t serial;         // a reply finds its waiter by this, not by address
  bool finishing = false;  // its record is being read for the answer
  std::list<std::unique_ptr<Waiter>>::iterator self;
};

Result<double> ParseWait(const std::string& text) {
  char* end = nullptr;
  double s = std::strtod(text.c_str(), &end);
  if (text.empty() || end == nullptr || *end != '\0' || !std::isfinite(s) ||
      s <= 0 || s > kMaxWaitS)
    return InvalidArgument(
        "wait must be a number of seconds, more than 0 "
        "and at most 300, not '" +
        text + "'");
  return s;
}

bool IsFinalState(const std::string& state) {
  return state == "succeeded" || state == "failed" || state == "cancelled";
}

TaskWaits::TaskWaits(EventBase* base, AsyncRedis* redis, const RedisKeys& keys,
                     std::unique_ptr<EventSubscriber> events,
                     double redis_wait_s)
    : base_(base),
      redis_(redis),
      keys_(keys),
      redis_wait_s_(redis_wait_s),
      linger_(base, -1, 0,
              [this](short) {
                if (waiters_.empty()) events_->Stop();
              }),
      events_(std::move(events)) {}

TaskWaits::~TaskWaits() {
  *alive_ = false;
  // Free every request still waiting: the daemon is going away.
  while (!waiters_.empty()) {
    Waiter* w = waiters_.front().get();
    evhttp_request* req = w->req;
    Forget(w);
    SendJson(req, 503, "the daemon is stopping", nullptr);
  }
}

void TaskWaits::Wait(evhttp_request* req, const std::string& id, double seconds,
                     Done done) {
  linger_.Del();
  if (!events_->running())
    events_->Start([this](const std::string& e) { OnEvent(e); },
                   [this] { Recheck(); });
  waiters_.push_back(std::make_unique<Waiter>());
  Waiter* w = waiters_.back().get();
  w->req = req;
  w->id = id;
  w->serial = next_serial_++;
  w->done = std::move(done);
  w->self = std::prev(waiters_.end());
  w->timer = std::make_unique<Event>(base_, -1, 0,
                                     [this, w](short) { Check(w, true); });
  w->timer->ArmTimer(seconds);
  w->client = std::make_unique<ClientWatch>(base_, req, [this, w] {
    evhttp_request* gone = w->req;
    Forget(w);
    // Nobody reads it; answering frees the request (http_server.h).
    SendJson(gone, 499, "the client went away", nullptr);
  });
  // Registered first: an end from now on wakes it; then a look at the
  // record, for an end that came before. (While the subscription is still
  // being made, its confirmation looks at every record again.)
  Check(w, false);
}

void TaskWaits::OnEvent(const std::string& json) {
  JsonPtr event(json_loads(json.c_str(), 0, nullptr));
  if (!event) return;
  const char* id = json_string_value(json_object_get(event.get(), "task_id"));
  const char* state = json_string_value(json_object_get(event.get(), "state"));
  if (id == nullptr || state == nullptr || !IsFinalState(state)) return;
  std::vector<Waiter*> woken;
  for (auto& w : waiters_)
    if (w->id == id && !w->finishing) woken.push_back(w.get());
  for (Waiter* w : woken) Check(w, true);
}

void TaskWaits::Recheck() {
  std::vector<Waiter*> all;
  for (auto& w : waiters_)
    if (!w->finishing) all.push_back(w.get());
  for (Waiter* w : all) Check(w, false);
}

void TaskWaits::Check(Waiter* w, bool force, bool retried) {
  if (force) w->finishing = true;
  std::weak_ptr<bool> alive = alive_;
  // A waiter may be gone (its client left, or another read answered it)
  // before the reply: find it again by its serial.
  redis_->Command(
      {"HGETALL", keys_.Task(w->id)}, [this, alive, serial = w->serial, force,
                                       retried](Result<const redisReply*> r) {
        auto guard = alive.lock();
        if (!guard || !*guard) return;
        Waiter* w = nullptr;
        for (auto& x : waiters_)
          if (x->serial == serial) w = x.get();
        if (w == nullptr) return;
        if (!r.ok() && !retried) {
          // Redis came back for the subscription before the command
          // connection did: read again once it is up (--redis-wait at
          // most, as any request that needs Redis).
          redis_->WhenConnected(redis_wait_s_, [this, alive, serial, force] {
            auto guard = alive.lock();
            if (!guard || !*guard) return;
            // Found first, checked after: a check may end the wait at once
            // and take it out of the list.
            Waiter* found = nullptr;
            for (auto& x : waiters_)
              if (x->serial == serial) found = x.get();
            if (found != nullptr) Check(found, force, true);
          });
          return;
        }
        if (!r.ok()) {
          // Still no Redis: an unforced look leaves the wait to its
          // deadline; the deadline's says so.
          if (force) Finish(w, r.status());
          return;
        }
        Fields fields = Pairs(r.value());
        std::string state;
        for (auto& [k, v] : fields)
          if (k == "state") state = v;
        if (force || fields.empty() || IsFinalState(state))
          Finish(w, std::move(fields));
      });
}

void TaskWaits::Finish(Waiter* w, Result<Fields> record) {
  Done done = std::move(w->done);
  Forget(w);
  done(std::move(record));
}

void TaskWaits::Forget(Waiter* w) {
  waiters_.erase(w->self);  // frees w and its timer
  if (waiters_.empty()) linger_.ArmTimer(kLingerS);
}

}  // namespace coyotes
