#include "daemon/worker_session.h"

#include <algorithm>
#include <utility>

#include "base/log.h"
#include "store/redis_client.h"

namespace coyotes {

WorkerSession::WorkerSession(const Config& config, std::string channel,
                             std::string owner, WorkerControl& control)
    : config_(config),
      control_(control),
      channel_(std::move(channel)),
      owner_(std::move(owner)),
      keys_(config.key_namespace) {}

bool WorkerSession::EnsureConnected() {
  if (store_ && !store_->broken()) return true;
  if (store_) {
    LOGR(WARNING) << "lost the Redis connection; reconnecting";
    store_.reset();
  }
  RedisTarget t = RedisTargetOf(config_);
  auto c = RedisClient::Connect(t, 2.0);
  if (!c.ok()) {
    if (c.status().code() == StatusCode::kPermissionDenied) {
      LOGR(ERROR) << c.status().message() << "; exiting";
      credentials_refused_ = true;
      control_.Drain();
      return false;
    }
    backoff_s_ = std::clamp(backoff_s_ * 2, 0.1, 5.0);
    LOGR(WARNING) << c.status().message() << "; retrying in " << backoff_s_
                  << "s";
    control_.Sleep(backoff_s_);
    return false;
  }
  if (backoff_s_ > 0)
    LOGR(INFO) << "connected to Redis again at " << c.value().addr().ToString();
  check_held_ = true;
  next_.reset();
  backoff_s_ = 0;
  c.value().set_replica_wait(config_.redis_wait_replicas,
                             config_.redis_wait_timeout_ms, keys_.Stats());
  store_.emplace(std::move(c.value()), keys_, channel_, owner_,
                 static_cast<int64_t>(config_.lease_ttl_s * 1000));
  return true;
}

bool WorkerSession::lease_due() const {
  auto since = std::chrono::steady_clock::now() - last_beat_;
  return since >= std::chrono::duration<double>(config_.lease_ttl_s / 3);
}

void WorkerSession::RenewLease() {
  if (!store_ || store_->broken()) return;
  last_beat_ = std::chrono::steady_clock::now();
  auto lost = store_->Heartbeat();
  if (!lost.ok()) return;
  // The first renewal creates the lease; a later one that creates it again
  // means it had expired (a long Redis outage).
  if (lost.value() && have_lease_)
    LOGR(WARNING) << "our lease had expired and was taken again";
  have_lease_ = true;
}

bool WorkerSession::RenewLeaseRunning(const std::string& task_id) {
  if (!store_ || store_->broken()) return false;
  last_beat_ = std::chrono::steady_clock::now();
  auto cancel = store_->TaskHeartbeat(task_id);
  return cancel.ok() && cancel.value();
}

Result<std::optional<std::string>> WorkerSession::TakeHeld() {
  if (!check_held_) return std::optional<std::string>();
  auto held = store_->Held();
  if (held.ok() && !held.value()) check_held_ = false;
  // A finish recorded after the reconnection may have claimed the next
  // item, which is in our in-progress list too: run it once, as held.
  if (held.ok() && held.value() && next_ && *next_ == *held.value())
    next_.reset();
  return held;
}

std::optional<std::string> WorkerSession::TakeNext() {
  std::optional<std::string> item = std::move(next_);
  next_.reset();
  return item;
}

void WorkerSession::Leave() {
  bool holding = false;
  if (next_) {
    // The last finish claimed an item and then the drain came: it goes back
    // where it was. If Redis is gone, the item stays in our in-progress
    // list and our lease, left to expire, gets it recovered.
    Status s = store_ && !store_->broken() ? store_->Unclaim()
                                           : Unavailable("not connected");
    holding = !s.ok();
    if (holding)
      LOGR(WARNING) << "giving back a task not started: " << s.message()
                    << "; it is recovered when our lease expires";
  }
  if (store_ && !store_->broken() && !holding) (void)store_->ReleaseLease();
}

}  // namespace coyotes
