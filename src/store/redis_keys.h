// The Redis key schema, in one place. P is --namespace followed by ':' when
// a namespace is set, else empty, so that by default the producers' list is
// exactly "task:prepare:queue". See HACKING.md and coyotes(8), REDIS KEYS.
#ifndef COYOTES_STORE_REDIS_KEYS_H_
#define COYOTES_STORE_REDIS_KEYS_H_

#include <string>
#include <string_view>

namespace coyotes {

class RedisKeys {
 public:
  explicit RedisKeys(const std::string& key_namespace)
      : p_(key_namespace.empty() ? "" : key_namespace + ":") {}

  // Everything below starts with this; scripts build per-channel and
  // per-task keys from it.
  const std::string& prefix() const { return p_; }

  std::string Prepare() const { return p_ + "task:prepare:queue"; }
  std::string Channels() const { return p_ + "coyotes:channels"; }
  std::string Queue(std::string_view chan) const {
    return p_ + "coyotes:queue:" + std::string(chan);
  }
  std::string Task(std::string_view id) const {
    return p_ + "coyotes:task:" + std::string(id);
  }
  std::string Proc(std::string_view owner) const {
    return p_ + "coyotes:proc:" + std::string(owner);
  }
  std::string Running(std::string_view chan) const {
    return p_ + "coyotes:running:" + std::string(chan);
  }
  std::string Delayed() const { return p_ + "coyotes:delayed"; }
  std::string Failed(std::string_view chan) const {
    return p_ + "coyotes:failed:" + std::string(chan);
  }
  std::string Leases() const { return p_ + "coyotes:leases"; }
  std::string Distinct(std::string_view chan) const {
    return p_ + "coyotes:distinct:" + std::string(chan);
  }
  std::string DeadLetters() const { return p_ + "coyotes:dead-letters"; }
  std::string Stats() const { return p_ + "coyotes:stats"; }
  // Schedules: name -> definition (JSON, task/schedule.h); name -> next
  // due ms; a schedule's counts and last firing.
  std::string Schedules() const { return p_ + "coyotes:schedules"; }
  std::string ScheduleDue() const { return p_ + "coyotes:schedule-due"; }
  std::string ScheduleState(std::string_view name) const {
    return p_ + "coyotes:schedule:" + std::string(name);
  }
  // Completion callbacks waiting to be delivered: task id -> due ms.
  std::string Callbacks() const { return p_ + "coyotes:callbacks"; }
  // A running task's live output (a stream; output_append.lua).
  std::string Output(std::string_view id) const {
    return p_ + "coyotes:output:" + std::string(id);
  }
  // Not a key: the publish/subscribe channel of task events.
  std::string Events() const { return p_ + "coyotes:events"; }

 private:
  std::string p_;
};

}  // namespace coyotes

#endif  // COYOTES_STORE_REDIS_KEYS_H_
