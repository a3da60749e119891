// The router: moves producer items from task:prepare:queue into channel
// queues, in the master's loop, on a connection of its own (its BLMOVE
// blocks that connection, never the loop).
//
// No item is lost if the daemon dies at any instant: BLMOVE moves the item
// atomically into the router's in-progress list (coyotes:proc:<owner>),
// and the route or dead-letter script removes it from there in the same
// step that queues it or records it as rejected. A router that dies leaves
// its item in that list; its lease expires and the recovery script pushes
// the item back to the consuming end of the prepare queue.
#ifndef COYOTES_DAEMON_ROUTER_H_
#define COYOTES_DAEMON_ROUTER_H_

#include <functional>
#include <string>
#include <vector>

#include "base/config.h"
#include "store/async_redis.h"
#include "store/redis_keys.h"
#include "store/submit.h"
#include "task/channel_settings.h"
#include "task/task.h"

namespace coyotes {

class Router {
 public:
  Router(EventBase* base, const Config& config, const RedisKeys& keys,
         std::string owner);
  // Called when routing created a channel (the master starts its workers).
  void set_on_channel_created(std::function<void(const std::string&)> f) {
    on_channel_created_ = std::move(f);
  }
  // The settings of a channel this daemon knows (null: none known, the
  // defaults), for the checks a task must pass before it is queued.
  void set_channel_lookup(
      std::function<const ChannelSettings*(const std::string&)> f) {
    channel_lookup_ = std::move(f);
  }
  // Called when a routed task is delayed, with the seconds until it is due.
  void set_on_delayed(std::function<void(double)> f) {
    on_delayed_ = std::move(f);
  }
  void Start();
  // Renews the router's lease (the master's tick calls this).
  void KeepAlive() {
    if (redis_.connected() && running_) Heartbeat([] {});
  }
  // Stops taking items; `done` runs once the item in hand (if any) is
  // handled and the connection closed.
  void Stop(std::function<void()> done);
  const std::string& owner() const { return owner_; }
  bool busy() const { return in_flight_; }

 private:
  void Next();
  void HandleBatch(std::vector<std::string> items);
  void DeadLetter(const std::string& payload, const std::string& reason,
                  std::function<void(bool)> done);
  void Finished();
  // Puts whatever our in-progress list holds back on the prepare queue
  // (after a lost connection or a failed script), then goes on.
  void RecoverOwn();
  void Heartbeat(std::function<void()> then);

  const Config& config_;
  const RedisKeys& keys_;
  std::string owner_;
  AsyncRedis redis_;
  Event retry_;
  bool running_ = false;
  bool in_flight_ = false;
  bool burst_ = false;  // the last take was full: take again, not block
  static constexpr int kBatch = 128;
  std::function<void()> on_stopped_;
  std::function<void(const std::string&)> on_channel_created_;
  std::function<void(double)> on_delayed_;
  std::function<const ChannelSettings*(const std::string&)> channel_lookup_;
};

}  // namespace coyotes

#endif  // COYOTES_DAEMON_ROUTER_H_
