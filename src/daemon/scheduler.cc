#include "daemon/scheduler.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "base/json_util.h"
#include "base/log.h"
#include "base/wall_clock.h"
#include "http/api_common.h"
#include "store/scripts.h"
#include "store/submit.h"

namespace coyotes {
namespace {

// Due schedules taken per look; more are taken at once after these.
constexpr int kBatch = 100;

}  // namespace

Scheduler::Scheduler(EventBase* base, AsyncRedis* redis, const RedisKeys& keys,
                     const Config& config, ChannelLookup channel)
    : base_(base),
      redis_(redis),
      keys_(keys),
      config_(config),
      channel_(std::move(channel)),
      timer_(base, -1, 0, [this](short) { Tick(); }) {}

Scheduler::~Scheduler() { *alive_ = false; }

void Scheduler::Start() {
  stopped_ = false;
  Arm(0.1);
}

void Scheduler::Stop() {
  stopped_ = true;
  timer_.Del();
}

void Scheduler::Arm(double seconds) {
  if (stopped_) return;
  timer_.ArmTimer(seconds);
}

void Scheduler::Tick() {
  if (stopped_ || ticking_) return;
  if (!redis_->connected()) return Arm(1.0);
  if (file_args_) SendFile();
  ticking_ = true;
  std::weak_ptr<bool> alive = alive_;
  redis_->Eval(
      kScheduleDueScript, {keys_.ScheduleDue(), keys_.Schedules()},
      {std::to_string(kBatch)}, [this, alive](Result<const redisReply*> r) {
        auto guard = alive.lock();
        if (!guard || !*guard) return;
        ticking_ = false;
        if (stopped_) return;
        const redisReply* rep = r.ok() ? r.value() : nullptr;
        if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements != 3 ||
            rep->element[1]->type != REDIS_REPLY_ARRAY) {
          if (!r.ok()) VLOG(1) << "schedules: " << r.status().message();
          return Arm(1.0);
        }
        int64_t now = rep->element[0]->integer;
        const redisReply* due = rep->element[1];
        int fired = 0;
        for (size_t i = 0; i + 2 < due->elements; i += 3)
          fired += Fire(ReplyText(due->element[i]),
                        std::atoll(ReplyText(due->element[i + 1]).c_str()), now,
                        ReplyText(due->element[i + 2]));
        // A full batch may leave more due (unless all of it was unreadable
        // definitions, which stay due).
        if (fired > 0 && due->elements / 3 >= static_cast<size_t>(kBatch))
          return Arm(0);
        // Woken at the next due time, and at least every second for
        // schedules that other daemons store.
        long long next = rep->element[2]->integer;
        Arm(next < 0 ? 1.0 : std::min(1.0, next / 1000.0));
      });
}

bool Scheduler::Fire(const std::string& name, int64_t due_ms, int64_t now_ms,
                     const std::string& text) {
  auto it = parsed_.find(name);
  if (it == parsed_.end() || it->second.first != text) {
    auto s = ParseStoredSchedule(name, text);
    if (!s.ok()) {
      // Logged once per definition; it stays due, and fires once it reads
      // again (a zone file installed, say) or is replaced.
      auto bad = unreadable_.find(name);
      if (bad == unreadable_.end() || bad->second != text) {
        LOGR(ERROR) << s.status().message();
        unreadable_[name] = text;
      }
      return false;
    }
    unreadable_.erase(name);
    if (parsed_.size() > 100000) parsed_.clear();
    it = parsed_.insert_or_assign(name, std::make_pair(text, std::move(*s)))
             .first;
  }
  const Schedule& s = it->second.second;
  DueDecision d = DecideDue(s, due_ms, now_ms, kGraceMs);
  int64_t fire_at = d.fire_ms.value_or(due_ms);
  ProducerLimits limits{config_.channel_default, config_.max_task_bytes};
  auto spec = ScheduledTask(s, fire_at, limits);
  bool fire = d.fire_ms.has_value() && s.enabled;
  std::string refused;
  if (!spec.ok()) {
    refused = spec.status().message();
  } else if (const ChannelSettings* cs = channel_(spec->channel)) {
    // The channel's settings may have changed since the schedule was
    // stored: a task they refuse is not made (the worker would fail it).
    if (auto r = CheckRoute(spec.value(), *cs, getenv("PATH")))
      refused = r->reason;
  }
  if (!refused.empty()) fire = false;
  if (!spec.ok()) {
    // Nothing to route: move the due time on by hand, under the same
    // guard, with an empty task list.
    spec = TaskSpec();
    spec->id = "sched:" + name + ":" + std::to_string(fire_at / 1000);
  }
  JsonPtr g(json_object());
  json_object_set_new(g.get(), "name", json_string(name.c_str()));
  json_object_set_new(g.get(), "due", json_integer(due_ms));
  json_object_set_new(g.get(), "next",
                      d.next_ms ? json_integer(*d.next_ms) : json_null());
  json_object_set_new(g.get(), "fire", json_boolean(fire));
  json_object_set_new(g.get(), "fire_at", json_integer(fire_at));
  json_object_set_new(g.get(), "overlap_skip", json_boolean(s.overlap_skip));
  std::vector<Submission> one;
  one.push_back({spec.value(), ""});
  RouteCall call = BuildRouteCall(keys_, config_, one, keys_.Proc("http"),
                                  JsonDump(g.get()));
  call.keys.push_back(keys_.ScheduleDue());
  call.keys.push_back(keys_.ScheduleState(name));
  std::weak_ptr<bool> alive = alive_;
  std::string task_id = spec->id, channel = spec->channel;
  bool missed = d.missed;
  redis_->Eval(
      kRouteScript, call.keys, call.args,
      [this, alive, name, task_id, channel, refused, missed,
       fire](Result<const redisReply*> r) {
        auto guard = alive.lock();
        if (!guard || !*guard) return;
        if (!r.ok() || r.value()->type != REDIS_REPLY_ARRAY ||
            r.value()->elements != 2) {
          LOGR(WARNING) << "schedule " << name << ": "
                        << (r.ok() ? "unexpected reply" : r.status().message());
          return;
        }
        std::string status = ReplyText(r.value()->element[0]);
        if (r.value()->element[1]->integer == 1 && on_channel_created_)
          on_channel_created_(channel);
        if (status == "gone") return;  // fired by another daemon
        if (!refused.empty()) {
          LOGR(ERROR) << "schedule " << name << ": task " << task_id
                      << " refused: " << refused;
        } else if (status == "skipped") {
          LOGR(INFO) << "schedule " << name << ": " << task_id << " skipped ("
                     << (!fire && missed ? "missed while no daemon ran"
                         : !fire         ? "disabled"
                                         : "the last task still runs")
                     << ")";
        } else if (status == "ok") {
          LOGR(INFO) << "schedule " << name << " fired " << task_id
                     << (missed ? " (the latest of the due times missed)" : "");
        } else {
          LOGR(WARNING) << "schedule " << name << ": " << task_id
                        << " not queued: " << status;
        }
      });
  return true;
}

void Scheduler::LoadFile(std::vector<Schedule> schedules) {
  std::vector<std::string> args = {keys_.prefix()};
  int64_t now = WallMs();
  for (const Schedule& s : schedules) {
    auto next = s.enabled ? NextDue(s, now) : std::nullopt;
    args.push_back(s.name);
    args.push_back(ScheduleJson(s));
    args.push_back(next ? std::to_string(*next) : "");
  }
  file_args_ = std::move(args);
  Arm(0);
}

void Scheduler::SendFile() {
  std::vector<std::string> args = std::move(*file_args_);
  file_args_.reset();
  std::weak_ptr<bool> alive = alive_;
  redis_->Eval(kScheduleFileScript, {keys_.Schedules(), keys_.ScheduleDue()},
               args, [this, alive, args](Result<const redisReply*> r) {
                 auto guard = alive.lock();
                 if (!guard || !*guard) return;
                 if (!r.ok() || r.value()->type != REDIS_REPLY_ARRAY ||
                     r.value()->elements != 2) {
                   LOGR(WARNING)
                       << "--schedule-file: not stored, trying again: "
                       << (r.ok() ? "unexpected reply" : r.status().message());
                   if (!file_args_) file_args_ = args;  // unless a newer one
                   return Arm(1.0);
                 }
                 LOGR(INFO) << "--schedule-file: " << (args.size() - 1) / 3
                            << " schedules (" << r.value()->element[0]->integer
                            << " new, " << r.value()->element[1]->integer
                            << " removed)";
               });
}

}  // namespace coyotes
