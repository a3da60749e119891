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

// The key schema of Redis Cluster mode (HACKING.md, "Redis Cluster"). A
// script may touch the keys of one hash slot only, so every key of a
// channel carries the channel's name as its hash tag ("{chan}"), task
// records and live output included, and every step that crosses channels
// becomes single-slot steps. The router's in-flight list, lease and dead
// letters share the producers' list's slot through the tag
// "{Ptask:prepare:queue}", which leaves that key exactly as producers know
// it. A single Redis keeps RedisKeys' schema: see HACKING.md for why.
class ClusterKeys {
 public:
  explicit ClusterKeys(const std::string& key_namespace)
      : p_(key_namespace.empty() ? "" : key_namespace + ":") {}

  std::string Prepare() const { return p_ + "task:prepare:queue"; }
  // The router's keys, in Prepare()'s slot.
  std::string RouterProc(std::string_view owner) const {
    return RouterTag() + ":proc:" + std::string(owner);
  }
  std::string RouterLeases() const { return RouterTag() + ":leases"; }
  std::string DeadLetters() const { return RouterTag() + ":dead-letters"; }

  // A channel's keys, all in the slot of its name.
  std::string Queue(std::string_view chan) const { return C(chan, "queue"); }
  std::string Running(std::string_view chan) const {
    return C(chan, "running");
  }
  std::string Failed(std::string_view chan) const { return C(chan, "failed"); }
  std::string Distinct(std::string_view chan) const {
    return C(chan, "distinct");
  }
  std::string Delayed(std::string_view chan) const {
    return C(chan, "delayed");
  }
  // The channel's workers: owner -> lease expiry, and their in-flight lists.
  std::string Leases(std::string_view chan) const { return C(chan, "leases"); }
  std::string Proc(std::string_view chan, std::string_view owner) const {
    return C(chan, "proc:") + std::string(owner);
  }
  // The channel's counters; the totals are their sum over the channels.
  std::string Stats(std::string_view chan) const { return C(chan, "stats"); }
  // The channel's settings as its scripts read them (paused among them); a
  // copy of its field in Channels(), written after it.
  std::string Settings(std::string_view chan) const {
    return C(chan, "settings");
  }
  std::string Callbacks(std::string_view chan) const {
    return C(chan, "callbacks");
  }
  std::string Task(std::string_view chan, std::string_view id) const {
    return C(chan, "task:") + std::string(id);
  }
  std::string Output(std::string_view chan, std::string_view id) const {
    return C(chan, "output:") + std::string(id);
  }

  // Keys of their own slots: the channels (name -> settings JSON), and the
  // channel of a task id, for the API's lookups by id.
  std::string Channels() const { return p_ + "coyotes:channels"; }
  std::string TaskChannel(std::string_view id) const {
    return p_ + "coyotes:task-channel:" + std::string(id);
  }
  // The schedules' keys, all in one slot.
  std::string Schedules() const { return p_ + "coyotes:{schedules}:defs"; }
  std::string ScheduleDue() const { return p_ + "coyotes:{schedules}:due"; }
  std::string ScheduleState(std::string_view name) const {
    return p_ + "coyotes:{schedules}:state:" + std::string(name);
  }
  // Not a key: PUBLISH reaches every node's subscribers in a cluster.
  std::string Events() const { return p_ + "coyotes:events"; }

 private:
  std::string RouterTag() const {
    return p_ + "coyotes:{" + p_ + "task:prepare:queue}";
  }
  std::string C(std::string_view chan, const char* what) const {
    return p_ + "coyotes:{" + std::string(chan) + "}:" + what;
  }

  std::string p_;
};

}  // namespace coyotes

#endif  // COYOTES_STORE_REDIS_KEYS_H_
