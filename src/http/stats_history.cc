#include "http/stats_history.h"

#include <cstdlib>

#include "base/wall_clock.h"

namespace coyotes {

StatsHistory::StatsHistory(size_t capacity) : ring_(capacity) {}

void StatsHistory::Add(const Sample& s) {
  if (ring_.empty()) return;
  ring_[next_] = s;
  next_ = (next_ + 1) % ring_.size();
  if (count_ < ring_.size()) count_++;
}

std::vector<StatsHistory::Sample> StatsHistory::Samples() const {
  std::vector<Sample> out;
  out.reserve(count_);
  size_t first =
      (next_ + ring_.size() - count_) % (ring_.empty() ? 1 : ring_.size());
  for (size_t i = 0; i < count_; i++)
    out.push_back(ring_[(first + i) % ring_.size()]);
  return out;
}

json_t* StatsHistory::ToJson() const {
  json_t* samples = json_array();
  for (const Sample& s : Samples()) {
    json_t* o = json_object();
    json_object_set_new(o, "at", json_integer(s.at_ms));
    json_object_set_new(o, "succeeded", json_integer(s.succeeded));
    json_object_set_new(o, "failed", json_integer(s.failed));
    json_array_append_new(samples, o);
  }
  json_t* d = json_object();
  json_object_set_new(d, "interval_s",
                      json_integer(static_cast<json_int_t>(kIntervalS)));
  json_object_set_new(d, "samples", samples);
  return d;
}

StatsSampler::StatsSampler(EventBase* base, AsyncRedis* redis,
                           const RedisKeys& keys)
    : redis_(redis),
      keys_(keys),
      timer_(base, -1, 0, [this](short) { Sample(); }) {}

StatsSampler::~StatsSampler() { *alive_ = false; }

void StatsSampler::Start() { timer_.ArmTimer(StatsHistory::kIntervalS); }

void StatsSampler::Stop() {
  *alive_ = false;
  timer_.Del();
}

void StatsSampler::Sample() {
  timer_.ArmTimer(StatsHistory::kIntervalS);
  if (in_flight_ || !redis_->connected()) return;
  in_flight_ = true;
  redis_->Command({"HMGET", keys_.Stats(), "succeeded", "failed"},
                  [this, alive = alive_](Result<const redisReply*> r) {
                    if (!*alive) return;
                    in_flight_ = false;
                    if (!r.ok() || r.value()->type != REDIS_REPLY_ARRAY ||
                        r.value()->elements != 2)
                      return;
                    auto total = [&](size_t i) -> int64_t {
                      const redisReply* e = r.value()->element[i];
                      return e->type == REDIS_REPLY_STRING ? std::atoll(e->str)
                                                           : 0;
                    };
                    history_.Add({WallMs(), total(0), total(1)});
                  });
}

}  // namespace coyotes
