#include "daemon/router.h"

#include <cstdlib>

#include "base/http_url.h"
#include "base/json_util.h"
#include "base/log.h"
#include "store/scripts.h"
#include "store/submit.h"
#include "task/task_codec.h"

namespace coyotes {

Router::Router(EventBase* base, const Config& config, const RedisKeys& keys,
               std::string owner)
    : config_(config),
      keys_(keys),
      owner_(std::move(owner)),
      redis_(base, RedisTargetOf(config), "router"),
      retry_(base, -1, 0, [this](short) { RecoverOwn(); }) {
  redis_.set_replica_wait(config.redis_wait_replicas,
                          config.redis_wait_timeout_ms, keys_.Stats());
  redis_.set_on_ready([this] {
    if (running_ && !in_flight_) RecoverOwn();
  });
}

void Router::Start() {
  running_ = true;
  redis_.Start();
}

void Router::Stop(std::function<void()> done) {
  running_ = false;
  on_stopped_ = std::move(done);
  retry_.Del();
  if (!in_flight_) Finished();
}

void Router::Finished() {
  in_flight_ = false;
  if (running_) return;
  redis_.Stop();
  if (on_stopped_) {
    auto f = std::move(on_stopped_);
    on_stopped_ = nullptr;
    f();
  }
}

void Router::Next() {
  if (!running_) {
    Finished();
    return;
  }
  if (!redis_.connected()) {
    in_flight_ = false;  // on_ready calls Next again
    return;
  }
  in_flight_ = true;
  auto on_error = [this](const Status& s) {
    if (s.code() != StatusCode::kUnavailable)
      LOGR(WARNING) << "router: " << s.message();
    in_flight_ = false;
    if (redis_.connected()) retry_.ArmTimer(1.0);
    if (!running_) Finished();
  };
  if (burst_) {
    // The queue had items a moment ago: take a batch without blocking.
    redis_.Eval(kTakeBatchScript, {keys_.Prepare(), keys_.Proc(owner_)},
                {std::to_string(kBatch)},
                [this, on_error](Result<const redisReply*> r) {
                  if (!r.ok()) return on_error(r.status());
                  std::vector<std::string> items;
                  for (size_t i = 0; i < r.value()->elements; i++)
                    items.emplace_back(r.value()->element[i]->str,
                                       r.value()->element[i]->len);
                  burst_ = items.size() == static_cast<size_t>(kBatch);
                  if (items.empty()) return Next();
                  HandleBatch(std::move(items));
                });
    return;
  }
  // A one-second wait, so that a stop is noticed within a second; the
  // connection is ours alone, so blocking it blocks nothing else.
  redis_.Command(
      {"BLMOVE", keys_.Prepare(), keys_.Proc(owner_), "RIGHT", "LEFT", "1"},
      [this, on_error](Result<const redisReply*> r) {
        if (!r.ok()) return on_error(r.status());
        if (r.value()->type != REDIS_REPLY_STRING) return Next();
        burst_ = true;
        HandleBatch({std::string(r.value()->str, r.value()->len)});
      });
}

void Router::HandleBatch(std::vector<std::string> items) {
  // Malformed items become dead letters one by one (rare); the valid ones
  // are routed by one script call. Both are pipelined on our connection;
  // the next batch starts when everything of this one has answered.
  ProducerLimits limits{config_.channel_default, config_.max_task_bytes};
  std::vector<Submission> valid;
  auto left = std::make_shared<size_t>(0);
  auto failed = std::make_shared<bool>(false);
  auto done = [this, left, failed](bool ok) {
    if (!ok) *failed = true;
    if (--*left > 0) return;
    if (*failed) {
      // Items stay in our in-progress list; put them back and go on.
      burst_ = false;
      RecoverOwn();
      return;
    }
    Next();
  };
  std::vector<std::pair<std::string, std::string>> bad;  // payload, reason
  for (auto& payload : items) {
    auto spec = ParseProducerItem(payload, limits);
    if (!spec.ok()) {
      bad.emplace_back(std::move(payload), spec.status().message());
      continue;
    }
    if (Status host = CheckCallbackHost(spec->callback, config_.callback_hosts);
        !spec->callback.empty() && !host.ok()) {
      bad.emplace_back(std::move(payload),
                       "field 'callback': " + host.message());
      continue;
    }
    // The channel's limits and policy: a task they refuse is never queued.
    // (The worker checks again before the spawn: settings may change.)
    if (const ChannelSettings* s =
            channel_lookup_ ? channel_lookup_(spec->channel) : nullptr) {
      if (auto refusal = CheckRoute(spec.value(), *s, getenv("PATH"))) {
        bad.emplace_back(std::move(payload), refusal->reason);
        continue;
      }
    }
    if (spec->id.empty()) spec->id = NewTaskId();
    valid.push_back(Submission{std::move(spec.value()), std::move(payload)});
  }
  *left = bad.size() + (valid.empty() ? 0 : 1);
  for (auto& [payload, reason] : bad) DeadLetter(payload, reason, done);
  if (valid.empty()) return;
  std::vector<double> due_in;
  std::vector<std::pair<std::string, std::string>> names;  // id, channel
  for (const auto& v : valid) {
    due_in.push_back(DueInSeconds(v.spec));
    names.emplace_back(v.spec.id, v.spec.channel);
  }
  SubmitTasks(&redis_, keys_, config_, valid, keys_.Proc(owner_),
              [this, due_in, names, done](std::vector<SubmitOutcome> outs) {
                bool ok = true;
                for (size_t i = 0; i < outs.size(); i++) {
                  const auto& [id, chan] = names[i];
                  const SubmitOutcome& out = outs[i];
                  switch (out.result) {
                    case SubmitResult::kQueued:
                      if (due_in[i] > 0 && on_delayed_) on_delayed_(due_in[i]);
                      VLOG(1) << "routed task " << id << " to " << chan;
                      break;
                    case SubmitResult::kChannelsFull:
                      LOGR(WARNING) << "router: dead letter: channel '" << chan
                                    << "' cannot be created (--max-channels)";
                      break;
                    case SubmitResult::kDuplicate:
                      LOGR(INFO) << "router: task " << id
                                 << " is already queued or running; dropped";
                      break;
                    case SubmitResult::kDistinct:
                      LOGR(INFO)
                          << "router: task " << id << " dropped: channel "
                          << chan << " is distinct";
                      break;
                    case SubmitResult::kError:
                      // The items stay in our in-progress list; the end of the
                      // batch puts them back on the prepare queue.
                      if (ok)
                        LOGR(WARNING) << "router: " << out.status.message();
                      ok = false;
                      continue;
                  }
                  if (out.channel_created && on_channel_created_)
                    on_channel_created_(chan);
                }
                done(ok);
              });
}

void Router::RecoverOwn() {
  in_flight_ = true;
  redis_.Eval(kRecoverScript, {keys_.Leases(), keys_.Prepare()},
              {keys_.prefix(), owner_, "1"},
              [this](Result<const redisReply*> r) {
                if (!r.ok()) {
                  in_flight_ = false;
                  if (redis_.connected()) retry_.ArmTimer(1.0);
                  if (!running_) Finished();
                  return;
                }
                // The recovery dropped our lease; take it again before
                // the next item can enter our in-progress list.
                Heartbeat([this] { Next(); });
              });
}

void Router::Heartbeat(std::function<void()> then) {
  redis_.Eval(kHeartbeatScript, {keys_.Leases()},
              {owner_, std::to_string(
                           static_cast<int64_t>(config_.lease_ttl_s * 1000))},
              [then = std::move(then)](Result<const redisReply*>) { then(); });
}

void Router::DeadLetter(const std::string& payload, const std::string& reason,
                        std::function<void(bool)> done) {
  LOGR(WARNING) << "router: dead letter: " << reason;
  redis_.Eval(kDeadLetterScript, {keys_.Proc(owner_), keys_.DeadLetters()},
              {payload, DeadLetterEntry(reason, payload)},
              [done = std::move(done)](Result<const redisReply*> r) {
                if (!r.ok())
                  LOGR(WARNING) << "router: recording a dead letter: "
                                << r.status().message();
                done(r.ok());
              });
}

}  // namespace coyotes
