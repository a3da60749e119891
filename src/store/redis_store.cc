#include "store/redis_store.h"

#include <unistd.h>

#include <algorithm>

#include "base/exit_status.h"
#include "base/host_name.h"
#include "base/json_util.h"
#include "base/log.h"
#include "store/scripts.h"

namespace coyotes {

const char* OutcomeState(const TaskOutcome& o) {
  if (o.kind == TaskOutcome::Kind::kCancelled) return "cancelled";
  return o.succeeded() ? "succeeded" : "failed";
}

std::vector<std::pair<std::string, std::string>> OutcomeFields(
    const TaskOutcome& o) {
  std::vector<std::pair<std::string, std::string>> f;
  using K = TaskOutcome::Kind;
  if (o.exit_code >= 0)
    f.emplace_back("exit_code", std::to_string(o.exit_code));
  if (o.signal > 0) f.emplace_back("signal", SignalName(o.signal));
  const char* kind = nullptr;
  switch (o.kind) {
    case K::kExited:
      kind = o.exit_code == 0 ? nullptr : "exit";
      break;
    case K::kSignaled:
      kind = "signal";
      break;
    case K::kTimeout:
      kind = "timeout";
      break;
    case K::kSpawnFailed:
      kind = "spawn";
      break;
    case K::kCancelled:
      kind = "cancelled";
      break;
    case K::kStopped:
      kind = "stopped";
      break;
    case K::kCpuLimit:
      f.emplace_back("reason", "cpu limit");
      break;
    case K::kFileSizeLimit:
      f.emplace_back("reason", "file size limit");
      break;
    case K::kIsolationUnavailable:
      kind = "isolation unavailable";
      break;
    case K::kRefused:
      f.emplace_back("reason", o.detail);
      break;
  }
  if (kind) f.emplace_back("reason", std::string(kind) + ": " + o.detail);
  f.emplace_back("stdout", o.stdout_tail);
  f.emplace_back("stderr", o.stderr_tail);
  f.emplace_back("duration_ms", std::to_string(o.duration_ms));
  return f;
}

std::string HistoryEntry(const TaskOutcome& o, int attempt) {
  // started_at and finished_at are filled in by the script from the record
  // and the server's clock; the 0 placeholders must stay first-level keys.
  JsonPtr e(json_object());
  json_object_set_new(e.get(), "attempt", json_integer(attempt));
  json_object_set_new(e.get(), "started_at", json_integer(0));
  json_object_set_new(e.get(), "finished_at", json_integer(0));
  json_object_set_new(e.get(), "state", json_string(OutcomeState(o)));
  json_object_set_new(
      e.get(), "exit_code",
      o.exit_code >= 0 ? json_integer(o.exit_code) : json_null());
  json_object_set_new(
      e.get(), "signal",
      o.signal > 0 ? json_string(SignalName(o.signal).c_str()) : json_null());
  for (auto& [k, v] : OutcomeFields(o))
    if (k == "reason")
      json_object_set_new(e.get(), "reason", JsonStringLossy(v));
  return JsonDump(e.get());
}

Result<bool> WorkerStore::Heartbeat() {
  auto r = client_.Eval(kHeartbeatScript, {keys_.Leases()},
                        {owner_, std::to_string(lease_ms_)});
  if (!r.ok()) return r.status();
  return r.value()->integer == 1;
}

Result<bool> WorkerStore::TaskHeartbeat(const std::string& task_id) {
  auto r =
      client_.Eval(kTaskHeartbeatScript, {keys_.Leases(), keys_.Task(task_id)},
                   {owner_, std::to_string(lease_ms_)});
  if (!r.ok()) return r.status();
  const redisReply* rep = r.value().get();
  if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2)
    return Internal("task_heartbeat: " + ReplyString(rep));
  return rep->element[1]->integer == 1;
}

Result<std::optional<std::string>> WorkerStore::Claim(double timeout_s) {
  char t[32];
  snprintf(t, sizeof(t), "%.3f", timeout_s);
  auto r = client_.Command({"BLMOVE", keys_.Queue(channel_), keys_.Proc(owner_),
                            "RIGHT", "LEFT", t});
  if (!r.ok()) return r.status();
  if (r.value()->type != REDIS_REPLY_STRING)
    return std::optional<std::string>();
  return std::optional<std::string>(
      std::string(r.value()->str, r.value()->len));
}

Result<std::optional<std::string>> WorkerStore::Held() {
  auto r = client_.Command({"LINDEX", keys_.Proc(owner_), "-1"});
  if (!r.ok()) return r.status();
  if (r.value()->type != REDIS_REPLY_STRING)
    return std::optional<std::string>();
  return std::optional<std::string>(
      std::string(r.value()->str, r.value()->len));
}

Result<bool> WorkerStore::MayRun(const std::string& item) {
  auto r = client_.Eval(
      kClaimCheckScript,
      {keys_.Channels(), keys_.Proc(owner_), keys_.Queue(channel_)},
      {channel_, item});
  if (!r.ok()) return r.status();
  return r.value()->type == REDIS_REPLY_INTEGER && r.value()->integer == 1;
}

Result<bool> WorkerStore::Paused() {
  auto r = client_.Command({"HGET", keys_.Channels(), channel_});
  if (!r.ok()) return r.status();
  if (r.value()->type != REDIS_REPLY_STRING) return false;
  std::string_view s(r.value()->str, r.value()->len);
  return s.find("\"paused\":true") != std::string_view::npos;
}

Result<WorkerStore::StartAnswer> WorkerStore::Start(const std::string& item,
                                                    const std::string& task_id,
                                                    int attempt, pid_t pgid,
                                                    uint64_t pstart,
                                                    int64_t ran_ms) {
  auto r = client_.Eval(
      kStartScript, {keys_.Task(task_id), keys_.Proc(owner_), keys_.Leases()},
      {item, label_, owner_, std::to_string(lease_ms_), std::to_string(attempt),
       HostName(), std::to_string(pgid), std::to_string(pstart), keys_.prefix(),
       std::to_string(ran_ms)});
  if (!r.ok()) return r.status();
  switch (r.value()->type == REDIS_REPLY_INTEGER ? r.value()->integer : -1) {
    case 1:
      return StartAnswer::kRun;
    case 0:
      return StartAnswer::kDrop;
    case 2:
      return StartAnswer::kCancel;
  }
  return Internal("start: " + ReplyString(r.value().get()));
}

Result<std::string> WorkerStore::AppendOutput(const std::string& task_id,
                                              bool first, int64_t ttl_ms,
                                              const std::string& trim_before,
                                              const std::string& out,
                                              const std::string& err) {
  auto r = client_.Eval(
      kOutputAppendScript, {keys_.Output(task_id)},
      {first ? "1" : "0", std::to_string(ttl_ms), trim_before, out, err});
  if (!r.ok()) return r.status();
  if (r.value()->type != REDIS_REPLY_STRING)
    return Internal("output_append: " + ReplyString(r.value().get()));
  return std::string(r.value()->str, r.value()->len);
}

Status WorkerStore::Finish(const std::string& item, const std::string& task_id,
                           const TaskOutcome& o, int64_t result_ttl_s,
                           int attempt, int64_t failed_max,
                           int64_t failed_ttl_s,
                           std::optional<std::string>* next, bool started) {
  std::vector<std::string> args = {
      item,
      std::to_string(result_ttl_s),
      OutcomeState(o),
      owner_,
      std::to_string(lease_ms_),
      keys_.prefix(),
      HistoryEntry(o, attempt),
      std::to_string(failed_max),
      std::to_string(failed_ttl_s),
      next ? "1" : "0",
      started ? "" : std::to_string(std::max<int64_t>(o.duration_ms, 0))};
  if (!started) {
    // What the start script would have recorded, but the process group:
    // it is gone.
    args.insert(args.end(), {"worker", label_, "attempts",
                             std::to_string(attempt), "host", HostName()});
  }
  return RecordEnd(kFinishScript,
                   {keys_.Task(task_id), keys_.Proc(owner_), keys_.Stats(),
                    keys_.Leases(), keys_.Queue(channel_)},
                   std::move(args), task_id, o, next);
}

Status WorkerStore::RecordEnd(const Script& script,
                              const std::vector<std::string>& keys,
                              std::vector<std::string> args,
                              const std::string& task_id, const TaskOutcome& o,
                              std::optional<std::string>* next) {
  for (auto& [k, v] : OutcomeFields(o)) {
    args.push_back(k);
    args.push_back(v);
  }
  auto r = client_.Eval(script, keys, args);
  if (!r.ok()) return r.status();
  // --redis-wait-replicas: an end only the replaced master knew would run
  // the task again; the caller records it again on the new master.
  if (Status s = client_.WaitReplicas(); !s.ok()) return s;
  // The finish script answers {answer, next item}, the retry script the
  // answer alone.
  const redisReply* answer = r.value().get();
  if (answer->type == REDIS_REPLY_ARRAY && answer->elements == 2) {
    const redisReply* item = answer->element[1];
    if (next && item->type == REDIS_REPLY_STRING)
      *next = std::string(item->str, item->len);
    answer = answer->element[0];
  }
  if (answer->type != REDIS_REPLY_INTEGER)
    return Internal(std::string(script.name) + ": " +
                    ReplyString(r.value().get()));
  if (answer->integer == 0)
    LOGR(WARNING) << "task " << task_id
                  << " had been given to another worker (our lease expired)";
  return Status::Ok();
}

Status WorkerStore::Retry(const std::string& item, const std::string& next_item,
                          const std::string& task_id, const TaskOutcome& o,
                          int attempt, int64_t delay_ms) {
  std::vector<std::string> args = {item,
                                   next_item,
                                   std::to_string(delay_ms),
                                   owner_,
                                   std::to_string(lease_ms_),
                                   keys_.prefix(),
                                   HistoryEntry(o, attempt)};
  return RecordEnd(kRetryScript,
                   {keys_.Task(task_id), keys_.Proc(owner_), keys_.Stats(),
                    keys_.Leases(), keys_.Delayed()},
                   std::move(args), task_id, o);
}

Status WorkerStore::Requeue(const std::string& item,
                            const std::string& task_id) {
  auto r = client_.Eval(kRequeueScript,
                        {keys_.Task(task_id), keys_.Proc(owner_),
                         keys_.Queue(channel_), keys_.Running(channel_)},
                        {item, task_id, keys_.prefix()});
  return r.ok() ? Status::Ok() : r.status();
}

Status WorkerStore::Unclaim() {
  auto r = client_.Command(
      {"LMOVE", keys_.Proc(owner_), keys_.Queue(channel_), "RIGHT", "RIGHT"});
  return r.ok() ? Status::Ok() : r.status();
}

Status WorkerStore::Discard(const std::string& item) {
  auto r = client_.Command({"LREM", keys_.Proc(owner_), "-1", item});
  return r.ok() ? Status::Ok() : r.status();
}

Status WorkerStore::ReleaseLease() {
  auto r = client_.Command({"ZREM", keys_.Leases(), owner_});
  return r.ok() ? Status::Ok() : r.status();
}

}  // namespace coyotes
