// CallbackSender: the master's delivery of completion callbacks.
//
// The script that ends a task (finish, cancel, delete_channel: the event()
// section they share) stores a pending delivery in Redis when the task
// names a `callback` URL. Every master runs one CallbackSender: it takes
// due deliveries with callback_claim.lua (which moves each past a lease,
// so one master at a time holds it), POSTs the task's record with libevent's
// HTTP client on the master's loop, and records the answer with
// callback_done.lua: 2xx ends it; anything else is tried again with the
// task retry back-off until --callback-max-age after the task's end. A
// master that dies holding a delivery leaves it to the next claim once its
// lease ends: at least once, and the receiver drops repeats by
// X-Coyotes-Delivery.
//
// Nothing here blocks: names are resolved by evdns, at most
// --callback-concurrency POSTs are in flight, and each is given up after
// --callback-timeout seconds.
#ifndef COYOTES_HTTP_CALLBACK_SENDER_H_
#define COYOTES_HTTP_CALLBACK_SENDER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "base/config.h"
#include "base/event_loop.h"
#include "store/async_redis.h"
#include "store/redis_keys.h"

struct evdns_base;

namespace coyotes {

class CallbackSender {
 public:
  using Fields = std::vector<std::pair<std::string, std::string>>;

  // What this daemon did since it started (GET /).
  struct Counts {
    uint64_t delivered = 0;  // answered 2xx
    uint64_t errors = 0;     // tries that failed (each retry counts)
    uint64_t given_up = 0;   // failed past --callback-max-age
  };

  // `user_agent`: "coyotes/<version>".
  CallbackSender(EventBase* base, AsyncRedis* redis, const RedisKeys& keys,
                 const Config& config, std::string user_agent);
  ~CallbackSender();
  CallbackSender(const CallbackSender&) = delete;

  void Start();
  // Stops taking deliveries and drops those in flight: their leases end
  // and another master, or the next start, delivers them.
  void Stop();

  int in_flight() const { return static_cast<int>(flying_.size()); }
  const Counts& counts() const { return counts_; }

  // The headers of a delivery, but Host and Content-Length (for tests: the
  // signature is over `body` exactly as sent).
  static std::vector<std::pair<std::string, std::string>> Headers(
      const std::string& user_agent, const std::string& task_id,
      const std::string& delivery, const std::string& body,
      const std::string& secret);

 private:
  struct Delivery;

  void Poll();
  void ArmPoll(double seconds);
  void Send(const Fields& record);
  // The POST of `d` has ended: ok when the receiver answered 2xx, else
  // `error` says why.
  void Finish(Delivery* d, bool ok, std::string error);

  EventBase* base_;
  AsyncRedis* redis_;
  RedisKeys keys_;
  const Config& config_;
  std::string user_agent_;
  std::mt19937_64 rng_;  // the back-off's jitter
  evdns_base* dns_ = nullptr;
  bool stopped_ = true;
  bool polling_ = false;
  Event poll_timer_;
  std::map<Delivery*, std::unique_ptr<Delivery>> flying_;
  Counts counts_;
  // Redis replies that come after Stop() or the destructor find it false.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace coyotes

#endif  // COYOTES_HTTP_CALLBACK_SENDER_H_
