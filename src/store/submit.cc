// Accepting tasks: the route script call shared by the router (producer
// items) and the HTTP API (POSTed tasks), and the dead-letter entry.
#include "store/submit.h"

#include <chrono>

#include "base/json_util.h"
#include "base/log.h"
#include "base/sha256.h"
#include "base/wall_clock.h"
#include "store/scripts.h"
#include "task/task_codec.h"

namespace coyotes {

namespace {

// What a distinct channel compares: the command line, or for a script
// task the SHA-256 of its interpreter, text and arguments (NUL-separated,
// so that no two different tasks read the same).
std::string DistinctKey(const TaskSpec& spec) {
  if (!spec.is_script()) return spec.command;
  std::string all = "script:" + spec.interpreter;
  all.append(1, '\0').append(spec.script);
  for (const auto& a : *spec.args) all.append(1, '\0').append(a);
  return Sha256Hex(all);
}

// The task with its due time (the wait metric counts from it).
TaskSpec WithDue(const TaskSpec& spec) {
  TaskSpec s = spec;
  if (s.due_ms == 0)
    s.due_ms = spec.run_at_s > 0
                   ? static_cast<int64_t>(spec.run_at_s * 1000)
                   : WallMs() + static_cast<int64_t>(spec.delay_s * 1000);
  return s;
}

}  // namespace

std::string DefaultChannelSettings(const Config&) {
  // No "workers": a channel created on first use follows --concurrent of
  // whichever daemon serves it.
  return "{\"distinct\":false}";
}

std::string DeadLetterEntry(const std::string& reason,
                            const std::string& payload) {
  JsonPtr o(json_object());
  json_object_set_new(o.get(), "reason", JsonStringLossy(reason));
  json_object_set_new(o.get(), "payload", JsonStringLossy(payload));
  json_object_set_new(o.get(), "at", json_integer(WallMs()));
  return JsonDump(o.get());
}

RouteCall BuildRouteCall(const RedisKeys& keys, const Config& config,
                         const std::vector<Submission>& tasks,
                         const std::string& proc_key,
                         const std::string& guard) {
  RouteCall call;
  // Over HTTP there is no in-progress copy and the script never touches
  // KEYS[1]; it still names a key of our schema, because Redis checks every
  // declared key against the user's ACL and '' matches no pattern.
  call.keys = {proc_key.empty() ? keys.Proc("http") : proc_key, keys.Channels(),
               keys.DeadLetters(), keys.Stats(), keys.Delayed()};
  call.args = {keys.prefix(), DefaultChannelSettings(config),
               std::to_string(config.max_channels), guard};
  for (const auto& [spec, payload] : tasks) {
    std::vector<std::string> fields = {"id",      spec.id,     "name",
                                       spec.name, "command",   spec.command,
                                       "channel", spec.channel};
    if (spec.args) {
      JsonPtr a(json_array());
      for (const auto& x : *spec.args)
        json_array_append_new(a.get(), JsonStringLossy(x));
      fields.push_back("args");
      fields.push_back(JsonDump(a.get()));
    }
    // Kept so that a failed script task can be run again as it was.
    if (spec.is_script()) {
      fields.insert(fields.end(), {"script", spec.script});
      if (!spec.interpreter.empty())
        fields.insert(fields.end(), {"interpreter", spec.interpreter});
    }
    if (!spec.callback.empty())
      fields.insert(fields.end(), {"callback", spec.callback});
    if (!spec.schedule.empty())
      fields.insert(fields.end(), {"schedule", spec.schedule});
    std::vector<std::string> head = {
        payload,
        spec.channel,
        EncodeQueueItem(WithDue(spec)),
        spec.id,
        DistinctKey(spec),
        DeadLetterEntry("channel '" + spec.channel +
                            "' cannot be created: --max-channels (" +
                            std::to_string(config.max_channels) + ") reached",
                        payload),
        std::to_string(static_cast<int64_t>(spec.delay_s * 1000)),
        std::to_string(static_cast<int64_t>(spec.run_at_s * 1000)),
        std::to_string(fields.size())};
    call.args.insert(call.args.end(), head.begin(), head.end());
    call.args.insert(call.args.end(), fields.begin(), fields.end());
  }
  return call;
}

void SubmitTasks(AsyncRedis* redis, const RedisKeys& keys, const Config& config,
                 const std::vector<Submission>& tasks,
                 const std::string& proc_key,
                 std::function<void(std::vector<SubmitOutcome>)> done) {
  RouteCall call = BuildRouteCall(keys, config, tasks, proc_key);
  size_t n = tasks.size();
  redis->Eval(
      kRouteScript, call.keys, call.args,
      [redis, n, done = std::move(done)](Result<const redisReply*> r) mutable {
        std::vector<SubmitOutcome> outs(n);
        if (!r.ok() || r.value()->type != REDIS_REPLY_ARRAY ||
            r.value()->elements != 2 * n) {
          Status error = !r.ok() ? r.status()
                                 : Internal("route: unexpected reply " +
                                            ReplyString(r.value()));
          for (auto& o : outs) o.status = error;
          done(std::move(outs));
          return;
        }
        const redisReply* rep = r.value();
        for (size_t i = 0; i < n; i++) {
          std::string s(rep->element[2 * i]->str, rep->element[2 * i]->len);
          outs[i].channel_created = rep->element[2 * i + 1]->integer == 1;
          outs[i].result = s == "ok"          ? SubmitResult::kQueued
                           : s == "full"      ? SubmitResult::kChannelsFull
                           : s == "duplicate" ? SubmitResult::kDuplicate
                                              : SubmitResult::kDistinct;
        }
        // --redis-wait-replicas: accepted only once the replicas have it,
        // or a failover would not take it away.
        redis->WaitReplicas(
            [outs = std::move(outs), done = std::move(done)](Status s) mutable {
              if (!s.ok())
                for (auto& o : outs) {
                  o.result = SubmitResult::kError;
                  o.status = s;
                }
              done(std::move(outs));
            });
      });
}

void SubmitTask(AsyncRedis* redis, const RedisKeys& keys, const Config& config,
                const TaskSpec& spec, const std::string& proc_key,
                const std::string& payload,
                std::function<void(SubmitOutcome)> done) {
  SubmitTasks(redis, keys, config, {Submission{spec, payload}}, proc_key,
              [done = std::move(done)](std::vector<SubmitOutcome> outs) {
                done(outs[0]);
              });
}

}  // namespace coyotes
