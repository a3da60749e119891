// The worker's side of the queue protocol over one synchronous connection:
// claim, start, finish, requeue and lease renewal. Each method is one round
// trip. A busy worker spends two per task (start, and finish, which also
// claims the next item), an idle one three (BLMOVE first), the lease riding
// on start and finish. With the router's one script call per batch of
// items, a task costs between 2 and 3 client commands end to end (make
// bench, "Redis client commands/task", counted with MONITOR).
#ifndef COYOTES_STORE_REDIS_STORE_H_
#define COYOTES_STORE_REDIS_STORE_H_

#include <unistd.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/host_name.h"
#include "base/status.h"
#include "store/redis_client.h"
#include "store/redis_keys.h"
#include "task/task_executor.h"

namespace coyotes {

class WorkerStore {
 public:
  WorkerStore(RedisClient client, const RedisKeys& keys, std::string channel,
              std::string owner, int64_t lease_ms)
      : client_(std::move(client)),
        keys_(keys),
        channel_(std::move(channel)),
        owner_(std::move(owner)),
        lease_ms_(lease_ms),
        label_(HostName() + ":" + std::to_string(getpid())) {}

  bool broken() const { return client_.broken(); }

  // Renews our lease; returns true when it had been lost meanwhile.
  Result<bool> Heartbeat();
  // While a task runs: renews the lease; true when the task was cancelled.
  Result<bool> TaskHeartbeat(const std::string& task_id);
  // Blocks up to timeout_s for the next queue item and moves it to our
  // in-progress list. nullopt: nothing came.
  Result<std::optional<std::string>> Claim(double timeout_s);
  // The oldest item already in our in-progress list: one that a BLMOVE
  // moved there although its reply was lost with the connection.
  Result<std::optional<std::string>> Held();
  // Whether a claimed item may run: false when its channel is paused, and
  // the item is then back at the head of the queue (claim_check.lua).
  Result<bool> MayRun(const std::string& item);
  // Whether our channel is paused now.
  Result<bool> Paused();
  // Records that the task runs, and has for ran_ms.
  enum class StartAnswer {
    kRun,
    kDrop,    // it must not run: gone, or run elsewhere; nothing to record
    kCancel,  // cancelled meanwhile: stop it, then Finish records it
  };
  Result<StartAnswer> Start(const std::string& item, const std::string& task_id,
                            int attempt, pid_t pgid, uint64_t pstart,
                            int64_t ran_ms = 0);
  // A batch of a running task's live output (output_append.lua): `first`
  // on an attempt's first batch, `trim_before` the oldest entry id still
  // needed ("": none to drop). Returns the new entry's id ("" for none).
  Result<std::string> AppendOutput(const std::string& task_id, bool first,
                                   int64_t ttl_ms,
                                   const std::string& trim_before,
                                   const std::string& out,
                                   const std::string& err);
  // Records the outcome and releases the item; a failure also enters the
  // channel's failed set (failed_max, failed_ttl_s: see --failed-max).
  // With `next`, also moves the channel queue's next item, if any, to our
  // in-progress list and stores it there: the claim of the next task rides
  // on the end of this one. With started false, the task ended before its
  // start was recorded: this records both, unless the task may no longer
  // run (its record gone or not queued any more), when it records nothing.
  Status Finish(const std::string& item, const std::string& task_id,
                const TaskOutcome& outcome, int64_t result_ttl_s,
                int attempt = 1, int64_t failed_max = 10000,
                int64_t failed_ttl_s = 7 * 24 * 3600,
                std::optional<std::string>* next = nullptr,
                bool started = true);
  // Records a failed attempt and schedules `next_item` after delay_ms.
  Status Retry(const std::string& item, const std::string& next_item,
               const std::string& task_id, const TaskOutcome& outcome,
               int attempt, int64_t delay_ms);
  // Puts the item back at the head of the queue (fast stop).
  Status Requeue(const std::string& item, const std::string& task_id);
  // Gives the item our in-progress list holds, claimed by Finish but not
  // started, back to the consuming end of the channel queue.
  Status Unclaim();
  // Drops an item that cannot be decoded (logged by the caller).
  Status Discard(const std::string& item);
  // Removes our lease at a clean exit.
  Status ReleaseLease();

 private:
  // Runs the finish or retry script with the outcome's fields appended.
  Status RecordEnd(const Script& script, const std::vector<std::string>& keys,
                   std::vector<std::string> args, const std::string& task_id,
                   const TaskOutcome& o,
                   std::optional<std::string>* next = nullptr);

  RedisClient client_;
  const RedisKeys& keys_;
  std::string channel_, owner_;
  int64_t lease_ms_;
  std::string label_;  // "host:pid", the record's worker field
};

// "succeeded", "failed" or "cancelled", and the record fields of an outcome
// (exit_code, signal, reason, stdout, stderr).
const char* OutcomeState(const TaskOutcome& o);
std::vector<std::pair<std::string, std::string>> OutcomeFields(
    const TaskOutcome& o);
// One attempt for the record's history: {"attempt","started_at",
// "finished_at","state","exit_code","signal","reason"}.
std::string HistoryEntry(const TaskOutcome& o, int attempt);

}  // namespace coyotes

#endif  // COYOTES_STORE_REDIS_STORE_H_
