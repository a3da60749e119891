#include "task/schedule.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/channel_name.h"
#include "task/schedule_file.h"

namespace coyotes {
namespace {

Status Bad(const std::string& why) { return InvalidArgument(why); }

// Fields of a definition that are the schedule's, not the task's.
constexpr const char* kOwnFields[] = {"name",       "cron",   "timezone",
                                      "overlap",    "missed", "enabled",
                                      "created_at", "source"};

Result<std::string> OptString(const json_t* o, const char* key,
                              const std::string& dflt) {
  json_t* v = json_object_get(o, key);
  if (v == nullptr || json_is_null(v)) return dflt;
  if (!json_is_string(v))
    return Bad(std::string("field '") + key + "' must be a string");
  return std::string(json_string_value(v), json_string_length(v));
}

}  // namespace

bool IsValidScheduleName(std::string_view name) {
  return IsValidChannelName(name);  // the same rule: [A-Za-z0-9_.:-]{1,64}
}

Result<Schedule> ScheduleFromJson(const json_t* fields,
                                  const ProducerLimits& limits,
                                  int64_t created_ms) {
  if (!json_is_object(fields)) return Bad("a schedule is a JSON object");
  Schedule s;
  auto name = OptString(fields, "name", "");
  if (!name.ok()) return name.status();
  if (!IsValidScheduleName(name.value()))
    return Bad("field 'name' must be 1 to 64 characters of [A-Za-z0-9_.:-]");
  s.name = name.value();
  auto cron = OptString(fields, "cron", "");
  if (!cron.ok()) return cron.status();
  if (cron.value().empty()) return Bad("field 'cron' is missing");
  auto expr = CronExpr::Parse(cron.value());
  if (!expr.ok()) return Bad("field 'cron': " + expr.status().message());
  s.cron = cron.value();
  s.expr = expr.value();
  auto tz = OptString(fields, "timezone", "UTC");
  if (!tz.ok()) return tz.status();
  auto zone = TimeZone::Load(tz.value().empty() ? "UTC" : tz.value());
  if (!zone.ok()) return Bad("field 'timezone': " + zone.status().message());
  s.timezone = zone.value().name();
  s.zone = zone.value();
  auto overlap = OptString(fields, "overlap", "allow");
  if (!overlap.ok()) return overlap.status();
  if (overlap.value() != "allow" && overlap.value() != "skip")
    return Bad("field 'overlap' must be allow or skip");
  s.overlap_skip = overlap.value() == "skip";
  auto missed = OptString(fields, "missed", "once");
  if (!missed.ok()) return missed.status();
  if (missed.value() != "once" && missed.value() != "skip")
    return Bad("field 'missed' must be once or skip");
  s.missed_skip = missed.value() == "skip";
  json_t* enabled = json_object_get(fields, "enabled");
  if (enabled != nullptr && !json_is_null(enabled)) {
    if (!json_is_boolean(enabled))
      return Bad("field 'enabled' must be true or false");
    s.enabled = json_is_true(enabled);
  }
  auto source = OptString(fields, "source", "http");
  if (!source.ok()) return source.status();
  s.source = source.value();
  s.created_ms = created_ms;

  // The task: every other field, checked as a producer's item is.
  for (const char* k : {"id", "delay", "run_at"})
    if (json_object_get(fields, k) != nullptr)
      return Bad(std::string("field '") + k +
                 "' is not allowed in a schedule (each due time names its "
                 "task sched:NAME:TIME)");
  JsonPtr item(json_object());
  const char* key;
  json_t* value;
  json_object_foreach(const_cast<json_t*>(fields), key, value) {
    bool own = false;
    for (const char* o : kOwnFields) own = own || std::string_view(key) == o;
    if (!own) json_object_set(item.get(), key, value);
  }
  auto spec = TaskFromJsonObject(item.get(), limits);
  if (!spec.ok()) return spec.status();
  json_object_set_new(item.get(), "chan", json_string(spec->channel.c_str()));
  s.item = std::move(item);
  return s;
}

std::string ScheduleJson(const Schedule& s) {
  JsonPtr o(json_object());
  json_object_set_new(o.get(), "name", json_string(s.name.c_str()));
  json_object_set_new(o.get(), "cron", json_string(s.cron.c_str()));
  json_object_set_new(o.get(), "timezone", json_string(s.timezone.c_str()));
  json_object_set_new(o.get(), "overlap",
                      json_string(s.overlap_skip ? "skip" : "allow"));
  json_object_set_new(o.get(), "missed",
                      json_string(s.missed_skip ? "skip" : "once"));
  json_object_set_new(o.get(), "enabled", json_boolean(s.enabled));
  json_object_set_new(o.get(), "created_at", json_integer(s.created_ms));
  json_object_set_new(o.get(), "source", json_string(s.source.c_str()));
  json_object_set(o.get(), "item", s.item.get());
  return JsonDump(o.get());
}

Result<Schedule> ParseStoredSchedule(const std::string& name,
                                     const std::string& text) {
  json_error_t err;
  JsonPtr o(json_loads(text.c_str(), 0, &err));
  json_t* item = o ? json_object_get(o.get(), "item") : nullptr;
  if (!json_is_object(item))
    return Bad("schedule " + name + ": stored definition is unreadable");
  // One object with the task's fields and the schedule's, as given.
  JsonPtr all(json_deep_copy(item));
  const char* key;
  json_t* value;
  json_object_foreach(o.get(), key, value) {
    if (std::string_view(key) != "item" &&
        std::string_view(key) != "created_at")
      json_object_set(all.get(), key, value);
  }
  json_t* created = json_object_get(o.get(), "created_at");
  ProducerLimits limits;
  limits.max_task_bytes = int64_t{1} << 30;  // checked when it was stored
  auto s = ScheduleFromJson(
      all.get(), limits,
      json_is_integer(created) ? json_integer_value(created) : 0);
  if (!s.ok()) return Bad("schedule " + name + ": " + s.status().message());
  return s;
}

Result<std::vector<Schedule>> SchedulesFromFile(std::string_view text,
                                                const ProducerLimits& limits,
                                                int64_t created_ms) {
  auto entries = ParseScheduleFile(text);
  if (!entries.ok()) return entries.status();
  std::vector<Schedule> out;
  for (const auto& e : entries.value()) {
    JsonPtr f(json_object());
    json_object_set_new(f.get(), "name", json_string(e.name.c_str()));
    json_object_set_new(f.get(), "cron", json_string(e.cron.c_str()));
    json_object_set_new(f.get(), "source", json_string("file"));
    json_object_set_new(f.get(), "task", json_string(e.command.c_str()));
    if (!e.channel.empty())
      json_object_set_new(f.get(), "chan", json_string(e.channel.c_str()));
    if (!e.timezone.empty())
      json_object_set_new(f.get(), "timezone", json_string(e.timezone.c_str()));
    if (!e.overlap.empty())
      json_object_set_new(f.get(), "overlap", json_string(e.overlap.c_str()));
    if (e.timeout_s > 0)
      json_object_set_new(f.get(), "timeout", json_real(e.timeout_s));
    if (e.retry >= 0)
      json_object_set_new(f.get(), "retry", json_integer(e.retry));
    auto s = ScheduleFromJson(f.get(), limits, created_ms);
    if (!s.ok())
      return Bad("line " + std::to_string(e.line) + ": " +
                 s.status().message());
    out.push_back(std::move(s.value()));
  }
  return out;
}

Result<std::vector<Schedule>> ReadScheduleFile(const std::string& path,
                                               const ProducerLimits& limits,
                                               int64_t created_ms) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Bad(path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Bad(path + ": cannot be read");
  auto s = SchedulesFromFile(text.str(), limits, created_ms);
  if (!s.ok()) return Bad(path + ": " + s.status().message());
  return s;
}

Result<TaskSpec> ScheduledTask(const Schedule& s, int64_t due_ms,
                               const ProducerLimits& limits) {
  auto spec = TaskFromJsonObject(s.item.get(), limits);
  if (!spec.ok()) return spec.status();
  spec->id = "sched:" + s.name + ":" + std::to_string(due_ms / 1000);
  spec->schedule = s.name;
  return spec;
}

std::optional<int64_t> NextDue(const Schedule& s, int64_t after_ms) {
  // Due times are whole seconds: "after" a time within a second means
  // after that second.
  int64_t after_s =
      after_ms >= 0 ? after_ms / 1000 : -((-after_ms + 999) / 1000);
  auto next = s.expr->Next(after_s, s.zone, s.created_ms / 1000);
  if (!next) return std::nullopt;
  return *next * 1000;
}

DueDecision DecideDue(const Schedule& s, int64_t due_ms, int64_t now_ms,
                      int64_t grace_ms) {
  DueDecision d;
  if (now_ms - due_ms <= grace_ms) {
    d.fire_ms = due_ms;
    d.next_ms = NextDue(s, due_ms);
    return d;
  }
  d.missed = true;
  // The latest due time that has passed: for @every by arithmetic, for a
  // cron expression by stepping (bounded: after a long outage of a
  // schedule due every minute, a few thousand steps).
  int64_t latest = due_ms;
  if (s.expr->is_every()) {
    int64_t p = s.expr->every_s() * 1000;
    int64_t anchor = (s.created_ms / 1000) * 1000;
    if (now_ms > anchor && latest >= anchor)
      latest = anchor + (now_ms - anchor) / p * p;
  } else {
    for (int i = 0; i < 100000; i++) {
      auto n = NextDue(s, latest);
      if (!n || *n > now_ms) break;
      latest = *n;
    }
  }
  if (!s.missed_skip) d.fire_ms = latest;
  d.next_ms = NextDue(s, now_ms);
  return d;
}

}  // namespace coyotes
