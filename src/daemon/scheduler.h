// Scheduler: the master's firing of schedules (task/schedule.h).
//
// Every master runs one. At each schedule's due time (woken then, and at
// least every second) it asks Redis which schedules are due
// (schedule_due.lua, by the server's clock), decides what each due time
// fires (DecideDue: on time, or missed while no daemon ran), and makes the
// task with the route script under the schedule's guard, which moves the
// due time on in the same step: each due time fires once across all the
// daemons that share the Redis, whichever sees it first. --schedule-file is
// loaded here too (at start once Redis answers, and on HUP).
#ifndef COYOTES_DAEMON_SCHEDULER_H_
#define COYOTES_DAEMON_SCHEDULER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/config.h"
#include "base/event_loop.h"
#include "store/async_redis.h"
#include "store/redis_keys.h"
#include "task/channel_settings.h"
#include "task/schedule.h"

namespace coyotes {

class Scheduler {
 public:
  using ChannelLookup =
      std::function<const ChannelSettings*(const std::string&)>;

  Scheduler(EventBase* base, AsyncRedis* redis, const RedisKeys& keys,
            const Config& config, ChannelLookup channel);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;

  void set_on_channel_created(std::function<void(const std::string&)> f) {
    on_channel_created_ = std::move(f);
  }
  void Start();
  void Stop();
  // A schedule was stored here: look again now rather than at the next
  // second.
  void Poke() { Arm(0); }

  // Replaces the schedules of --schedule-file in Redis by these (waits for
  // the connection; a later call supersedes one still waiting).
  void LoadFile(std::vector<Schedule> schedules);

  // A due time later than this was missed: no daemon was up to fire it.
  static constexpr int64_t kGraceMs = 2000;

 private:
  void Tick();
  void Arm(double seconds);
  // False when the definition does not read (nothing was sent).
  bool Fire(const std::string& name, int64_t due_ms, int64_t now_ms,
            const std::string& text);
  void SendFile();

  EventBase* base_;
  AsyncRedis* redis_;
  RedisKeys keys_;
  const Config& config_;
  ChannelLookup channel_;
  std::function<void(const std::string&)> on_channel_created_;
  Event timer_;
  bool stopped_ = true;
  bool ticking_ = false;
  // Parsed definitions by name, with the text they came from: a zone file
  // is read once, not at every due time.
  std::map<std::string, std::pair<std::string, Schedule>> parsed_;
  // Definitions that do not read, as last logged.
  std::map<std::string, std::string> unreadable_;
  // --schedule-file's schedules waiting to be stored (schedule_file.lua's
  // arguments).
  std::optional<std::vector<std::string>> file_args_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace coyotes

#endif  // COYOTES_DAEMON_SCHEDULER_H_
