#include "http/task_record.h"

#include <chrono>
#include <cstdlib>

#include "base/json_util.h"
#include "base/wall_clock.h"

namespace coyotes {

std::string EffectiveState(
    const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string state, due;
  for (const auto& [k, v] : fields) {
    if (k == "state") state = v;
    if (k == "due_at") due = v;
  }
  // Promotion leaves the record as it was: a delayed task that is due sits
  // in its channel queue.
  if (state == "delayed") {
    if (due.empty() || std::atoll(due.c_str()) <= WallMs()) return "queued";
  }
  return state;
}

json_t* TaskRecordJson(
    const std::vector<std::pair<std::string, std::string>>& fields) {
  auto get = [&](const char* k) -> const std::string* {
    for (const auto& [n, v] : fields)
      if (n == k) return &v;
    return nullptr;
  };
  auto str = [&](const char* k) {
    const std::string* v = get(k);
    return v ? JsonStringLossy(*v) : json_null();
  };
  auto num = [&](const char* k) {
    const std::string* v = get(k);
    if (v == nullptr || v->empty()) return json_null();
    return json_integer(std::atoll(v->c_str()));
  };
  json_t* o = json_object();
  json_object_set_new(o, "task_id", str("id"));
  json_object_set_new(o, "task_name", str("name"));
  json_object_set_new(o, "command", str("command"));
  json_t* args = json_null();
  if (const std::string* a = get("args")) {
    json_error_t err;
    json_t* parsed = json_loadb(a->data(), a->size(), 0, &err);
    if (parsed) args = parsed;
  }
  json_object_set_new(o, "args", args);
  // A script task's text and the interpreter its producer named.
  json_object_set_new(o, "script", str("script"));
  json_object_set_new(o, "interpreter", str("interpreter"));
  json_object_set_new(o, "channel", str("channel"));
  // The schedule that made the task, or null.
  json_object_set_new(o, "schedule", str("schedule"));
  std::string state = EffectiveState(fields);
  json_object_set_new(o, "state",
                      state.empty() ? json_null() : json_string(state.c_str()));
  json_object_set_new(o, "attempts", num("attempts"));
  json_object_set_new(o, "created_at", num("created_at"));
  json_object_set_new(o, "started_at", num("started_at"));
  json_object_set_new(o, "finished_at", num("finished_at"));
  json_object_set_new(o, "due_at", num("due_at"));
  json_object_set_new(o, "worker", str("worker"));
  json_object_set_new(o, "exit_code", num("exit_code"));
  json_object_set_new(o, "signal", str("signal"));
  json_object_set_new(o, "reason", str("reason"));
  json_object_set_new(o, "stdout", str("stdout"));
  json_object_set_new(o, "stderr", str("stderr"));
  // Every finished attempt (retries), oldest first.
  json_t* history = json_array();
  if (const std::string* h = get("history")) {
    json_error_t err;
    json_t* parsed = json_loadb(h->data(), h->size(), 0, &err);
    if (json_is_array(parsed)) {
      json_decref(history);
      history = parsed;
    } else if (parsed) {
      json_decref(parsed);
    }
  }
  json_object_set_new(o, "history", history);
  // The completion callback and how its delivery of the last end went
  // (http/callback_sender.h); null without one.
  json_object_set_new(o, "callback", str("callback"));
  json_object_set_new(o, "callback_state", str("callback_state"));
  json_object_set_new(o, "callback_attempts", num("callback_attempts"));
  json_object_set_new(o, "callback_error", str("callback_error"));
  return o;
}

}  // namespace coyotes
