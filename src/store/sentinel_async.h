// Redis Sentinel on the master's loop: the questions of store/sentinel.h,
// asked with RedisProbe so that a silent sentinel never blocks HTTP. One
// question at a time; a new one cancels the one before.
#ifndef COYOTES_STORE_SENTINEL_ASYNC_H_
#define COYOTES_STORE_SENTINEL_ASYNC_H_

#include <functional>
#include <string>
#include <vector>

#include "base/event_loop.h"
#include "base/status.h"
#include "store/redis_client.h"
#include "store/redis_probe.h"
#include "store/sentinel.h"

namespace coyotes {

class SentinelAsk {
 public:
  SentinelAsk(EventBase* base, RedisTarget target)
      : probe_(base), target_(std::move(target)) {}

  // AskSentinels, asynchronously.
  void AskMaster(std::function<void(Result<MasterAddr>)> done);
  // MasterMoved, asynchronously.
  void CheckMoved(const HostPort& current, std::function<void(bool)> done);
  void Cancel() { probe_.Cancel(); }
  bool busy() const { return probe_.busy(); }

 private:
  void AskFrom(size_t i, std::string errors);
  void CheckFrom(size_t i);
  void CheckReplica(size_t i);
  std::vector<std::string> SentinelAuth() const;

  RedisProbe probe_;
  RedisTarget target_;
  std::function<void(Result<MasterAddr>)> master_done_;
  std::function<void(bool)> moved_done_;
  HostPort current_;
  std::vector<HostPort> replicas_;
};

}  // namespace coyotes

#endif  // COYOTES_STORE_SENTINEL_ASYNC_H_
