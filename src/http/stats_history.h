// The chart history of the dashboard: the master samples the global
// succeeded and failed totals (Pcoyotes:stats) every 2 s into a ring of the
// last 15 minutes, so that a page opened now draws the past at once, and
// GET /stats/history hands the ring out. Rates are the page's to compute
// (difference over the time between two samples), which also bridges the
// samples skipped while Redis was down.
#ifndef COYOTES_HTTP_STATS_HISTORY_H_
#define COYOTES_HTTP_STATS_HISTORY_H_

#include <jansson.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "base/event_loop.h"
#include "store/async_redis.h"
#include "store/redis_keys.h"

namespace coyotes {

// A fixed ring of samples, oldest dropped first. Pure: no clock, no Redis.
class StatsHistory {
 public:
  struct Sample {
    int64_t at_ms;
    int64_t succeeded;
    int64_t failed;
  };
  static constexpr double kIntervalS = 2;
  static constexpr size_t kCapacity = 450;  // 15 minutes of 2 s

  explicit StatsHistory(size_t capacity = kCapacity);

  void Add(const Sample& s);
  size_t size() const { return count_; }
  // The samples, oldest first.
  std::vector<Sample> Samples() const;
  // {"interval_s":2,"samples":[{"at":ms,"succeeded":n,"failed":n},...]},
  // a new reference.
  json_t* ToJson() const;

 private:
  std::vector<Sample> ring_;
  size_t next_ = 0;   // where the next sample goes
  size_t count_ = 0;  // samples held, at most ring_.size()
};

// Fills a StatsHistory from Redis on the master's loop. Lifecycle: built
// and started by the master with its HTTP API, stopped before the loop
// ends. A tick while Redis is down takes no sample, and a reply that comes
// after the sampler is gone finds it gone (`alive_`): AsyncRedis calls
// every pending callback, also at its own Stop().
class StatsSampler {
 public:
  StatsSampler(EventBase* base, AsyncRedis* redis, const RedisKeys& keys);
  ~StatsSampler();
  StatsSampler(const StatsSampler&) = delete;

  void Start();
  void Stop();
  const StatsHistory& history() const { return history_; }

 private:
  void Sample();

  AsyncRedis* redis_;
  RedisKeys keys_;
  StatsHistory history_;
  Event timer_;
  bool in_flight_ = false;  // a slow Redis gets one question at a time
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace coyotes

#endif  // COYOTES_HTTP_STATS_HISTORY_H_
