// A worker's connection to Redis: connecting again with back-off, the
// lease that tells the masters this worker lives, and the items already in
// its in-progress list (a lost claim reply, or the next task a finish
// claimed).
//
// Invariant: after each (re)connection nothing new is claimed before what
// our in-progress list already holds has run (TakeHeld()).
#ifndef COYOTES_DAEMON_WORKER_SESSION_H_
#define COYOTES_DAEMON_WORKER_SESSION_H_

#include <chrono>
#include <optional>
#include <string>

#include "base/config.h"
#include "base/status.h"
#include "daemon/worker_control.h"
#include "store/redis_keys.h"
#include "store/redis_store.h"

namespace coyotes {

// Lifecycle: one per worker process, made by RunWorker after the
// WorkerControl it refers to (for back-off waits a drain cuts short) and
// destroyed before it. It owns the WorkerStore, and with it the hiredis
// connection; a broken connection is dropped and made again by the next
// EnsureConnected(). Leave() gives back what it may and removes the lease.
class WorkerSession {
 public:
  WorkerSession(const Config& config, std::string channel, std::string owner,
                WorkerControl& control);
  WorkerSession(const WorkerSession&) = delete;
  WorkerSession& operator=(const WorkerSession&) = delete;

  // True when connected. Else it has waited (back-off, up to 5 s) or, if
  // Redis refused our credentials, started a drain: the caller retries or
  // leaves.
  bool EnsureConnected();
  // Only after EnsureConnected() returned true.
  WorkerStore* store() { return &*store_; }
  // The store if connected now, else null: for sends that may be skipped
  // (live output), which must not wait for a reconnection.
  WorkerStore* store_if_connected() {
    return store_ && !store_->broken() ? &*store_ : nullptr;
  }
  // Redis refused our credentials: the worker exits kExitConfig.
  bool credentials_refused() const { return credentials_refused_; }

  // The lease is renewed every third of its time to live, idle or not.
  bool lease_due() const;
  // While idle: renews the lease (the first call creates it).
  void RenewLease();
  // While a task runs: renews the lease; true when task_id was cancelled
  // through another daemon's API.
  bool RenewLeaseRunning(const std::string& task_id);

  // The oldest item our in-progress list holds after a (re)connection,
  // one per call while the list is not empty; nullopt from then on.
  Result<std::optional<std::string>> TakeHeld();
  // An item stays in our in-progress list unrun (its pause check failed):
  // the next TakeHeld looks there again.
  void CheckHeldAgain() { check_held_ = true; }
  // Where a finish stores the next item it claimed, and taking it to run.
  std::optional<std::string>* next_slot() { return &next_; }
  std::optional<std::string> TakeNext();

  // At exit: gives back an item claimed but not started and removes our
  // lease; when Redis is gone both are left to the lease's expiry.
  void Leave();

 private:
  const Config& config_;
  WorkerControl& control_;
  std::string channel_, owner_;
  RedisKeys keys_;  // the store refers to it
  std::optional<WorkerStore> store_;
  bool credentials_refused_ = false;
  bool have_lease_ = false;
  double backoff_s_ = 0;
  std::chrono::steady_clock::time_point last_beat_;
  // After each (re)connection: run what our in-progress list already holds
  // (a claim whose reply was lost) before claiming anything new.
  bool check_held_ = false;
  // The item the last finish claimed, to run next. A reconnection drops it:
  // it is in our in-progress list, where check_held_ finds it.
  std::optional<std::string> next_;
};

}  // namespace coyotes

#endif  // COYOTES_DAEMON_WORKER_SESSION_H_
