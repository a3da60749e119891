#include "task/task_codec.h"

#include <sys/random.h>

#include <cmath>
#include <cstring>
#include <ctime>

#include "base/channel_name.h"
#include "base/http_url.h"
#include "base/json_util.h"

namespace coyotes {

namespace {

Status Bad(const std::string& what) { return InvalidArgument(what); }

bool HasNul(std::string_view s) {
  return s.find('\0') != std::string_view::npos;
}

Result<std::string> GetString(const json_t* obj, const char* key,
                              bool* present) {
  json_t* v = json_object_get(obj, key);
  *present = v != nullptr && !json_is_null(v);
  if (!*present) return std::string();
  if (!json_is_string(v))
    return Bad(std::string("field '") + key + "' must be a string");
  std::string s(json_string_value(v), json_string_length(v));
  if (HasNul(s))
    return Bad(std::string("field '") + key + "' contains a NUL byte");
  return s;
}

}  // namespace

double DueInSeconds(const TaskSpec& spec) {
  if (spec.delay_s > 0) return spec.delay_s;
  if (spec.run_at_s > 0) {
    timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return spec.run_at_s - (now.tv_sec + now.tv_nsec / 1e9);
  }
  return 0;
}

bool IsValidTaskId(std::string_view id) {
  return IsSafeName(id, kMaxTaskIdLength);
}

std::string NewTaskId() {
  unsigned char raw[12];
  size_t got = 0;
  while (got < sizeof(raw)) {
    ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
    PCHECK(n > 0 || errno == EINTR) << "getrandom";
    if (n > 0) got += n;
  }
  static const char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char c : raw) {
    id += kHex[c >> 4];
    id += kHex[c & 15];
  }
  return id;
}

Result<TaskSpec> TaskFromJsonObject(const json_t* obj,
                                    const ProducerLimits& limits) {
  if (!json_is_object(obj)) return Bad("item is not a JSON object");
  TaskSpec spec;
  bool has_task = false, has_command = false, has_chan = false, has = false;

  auto task = GetString(obj, "task", &has_task);
  if (!task.ok()) return task.status();
  auto command = GetString(obj, "command", &has_command);
  if (!command.ok()) return command.status();
  auto chan = GetString(obj, "chan", &has_chan);
  if (!chan.ok()) return chan.status();

  spec.channel = chan.value().empty() ? limits.default_channel : chan.value();
  if (!IsValidChannelName(spec.channel))
    return Bad("invalid channel name '" + ToValidUtf8(spec.channel) +
               "' (allowed: [A-Za-z0-9_.:-], 1 to 64 characters)");

  json_t* ts = json_object_get(obj, "ts");
  if (ts != nullptr && !json_is_null(ts) && !json_is_number(ts))
    return Bad("field 'ts' must be a number (unix seconds)");

  auto id = GetString(obj, "id", &has);
  if (!id.ok()) return id.status();
  if (has) {
    if (!IsValidTaskId(id.value()))
      return Bad("field 'id' must be 1 to 128 characters of [A-Za-z0-9_.:-]");
    spec.id = id.value();
  }

  json_t* args = json_object_get(obj, "args");
  if (args != nullptr && !json_is_null(args)) {
    if (!json_is_array(args)) return Bad("field 'args' must be an array");
    bool has_script = false;
    auto script_text = GetString(obj, "script", &has_script);
    if ((!has_command || command.value().empty()) &&
        (!script_text.ok() || script_text.value().empty()))
      return Bad("field 'args' needs a non-empty 'command' or 'script'");
    if (json_array_size(args) > kMaxArgs) return Bad("too many 'args'");
    std::vector<std::string> argv;
    size_t i;
    json_t* a;
    json_array_foreach(args, i, a) {
      if (!json_is_string(a))
        return Bad("every 'args' element must be a string");
      std::string s(json_string_value(a), json_string_length(a));
      if (HasNul(s)) return Bad("an 'args' element contains a NUL byte");
      argv.push_back(std::move(s));
    }
    spec.args = std::move(argv);
  }

  auto script = GetString(obj, "script", &has);
  if (!script.ok()) return script.status();
  if (!script.value().empty()) {
    if ((has_task && !task.value().empty()) ||
        (has_command && !command.value().empty()))
      return Bad("give 'script', or 'task' or 'command', not both");
    if (HasNul(script.value()))
      return Bad("field 'script' contains a NUL byte");
    spec.script = script.value();
    auto interp = GetString(obj, "interpreter", &has);
    if (!interp.ok()) return interp.status();
    spec.interpreter = interp.value();
    if (HasNul(spec.interpreter) ||
        spec.interpreter.find_first_of(" \t\n") != std::string::npos)
      return Bad("field 'interpreter' must be a program name or path");
    auto shebang = ParseShebang(spec.script);
    spec.command = !spec.interpreter.empty() ? spec.interpreter
                   : shebang                 ? shebang->program
                                             : "/bin/sh";
    if (!spec.args) spec.args = std::vector<std::string>();
    spec.name = ScriptTaskName(spec.script);
  } else if (auto interp = GetString(obj, "interpreter", &has);
             has && !interp.value().empty()) {
    return Bad("field 'interpreter' needs a 'script'");
  } else if (has_command && !command.value().empty()) {
    spec.command = command.value();
    // A program without args is still run without a shell.
    if (!spec.args) spec.args = std::vector<std::string>();
    if (has_task && !task.value().empty()) {
      spec.name = task.value();
    } else {
      spec.name = spec.command;
      for (const auto& a : *spec.args) spec.name += " " + a;
    }
  } else if (has_task && !task.value().empty()) {
    spec.command = task.value();
    spec.name = task.value();
  } else {
    return Bad("missing or empty 'task' (or 'command')");
  }

  json_t* timeout = json_object_get(obj, "timeout");
  if (timeout != nullptr && !json_is_null(timeout)) {
    if (!json_is_number(timeout))
      return Bad("field 'timeout' must be a number of seconds");
    double t = json_number_value(timeout);
    if (!std::isfinite(t) || t < 0 || t > kMaxTimeoutS)
      return Bad("field 'timeout' must be from 0 to 10000000 seconds");
    spec.timeout_s = t;
  }

  json_t* env = json_object_get(obj, "env");
  if (env != nullptr && !json_is_null(env)) {
    if (!json_is_object(env)) return Bad("field 'env' must be an object");
    const char* k;
    json_t* v;
    json_object_foreach(env, k, v) {
      if (!json_is_string(v))
        return Bad(std::string("env '") + k + "' must be a string");
      std::string name = k, value(json_string_value(v), json_string_length(v));
      if (name.empty() || name.find('=') != std::string::npos ||
          name.find('\0') != std::string::npos || HasNul(value))
        return Bad("env name '" + name + "' is not a valid variable name");
      spec.env.emplace_back(std::move(name), std::move(value));
    }
  }

  json_t* delay = json_object_get(obj, "delay");
  json_t* run_at = json_object_get(obj, "run_at");
  bool has_delay = delay != nullptr && !json_is_null(delay);
  bool has_run_at = run_at != nullptr && !json_is_null(run_at);
  if (has_delay && has_run_at) return Bad("give 'delay' or 'run_at', not both");
  if (has_delay) {
    double d = json_is_number(delay) ? json_number_value(delay) : -1;
    if (!json_is_number(delay) || !std::isfinite(d) || d < 0 || d > kMaxDelayS)
      return Bad("field 'delay' must be a number of seconds from 0 to " +
                 std::to_string(static_cast<long>(kMaxDelayS)));
    spec.delay_s = d;
  }
  if (has_run_at) {
    double t = json_is_number(run_at) ? json_number_value(run_at) : -1;
    double now = static_cast<double>(time(nullptr));
    if (!json_is_number(run_at) || !std::isfinite(t) || t < 0 ||
        t > now + kMaxDelayS)
      return Bad("field 'run_at' must be unix seconds, at most a year ahead");
    spec.run_at_s = t;
  }
  json_t* retry = json_object_get(obj, "retry");
  if (retry != nullptr && !json_is_null(retry)) {
    if (!json_is_integer(retry) || json_integer_value(retry) < 0 ||
        json_integer_value(retry) > 100)
      return Bad("field 'retry' must be a whole number from 0 to 100");
    spec.retry = static_cast<int>(json_integer_value(retry));
  }
  json_t* retry_on = json_object_get(obj, "retry_on");
  if (retry_on != nullptr && !json_is_null(retry_on)) {
    if (!json_is_array(retry_on) || json_array_size(retry_on) > 256)
      return Bad("field 'retry_on' must be an array of exit codes");
    size_t i;
    json_t* c;
    json_array_foreach(retry_on, i, c) {
      if (!json_is_integer(c) || json_integer_value(c) < 1 ||
          json_integer_value(c) > 255)
        return Bad("field 'retry_on' must hold exit codes from 1 to 255");
      spec.retry_on.push_back(static_cast<int>(json_integer_value(c)));
    }
  }

  json_t* lim = json_object_get(obj, "limits");
  if (lim != nullptr && !json_is_null(lim)) {
    // An object from producers; its JSON text from an HTTP form field.
    auto l = json_is_string(lim) ? LimitsFromJsonText(json_string_value(lim))
                                 : LimitsFromJson(lim);
    if (!l.ok()) return Bad("field " + l.status().message());
    spec.limits = l.value();
  }

  auto cwd = GetString(obj, "cwd", &has);
  if (!cwd.ok()) return cwd.status();
  spec.cwd = cwd.value();

  auto callback = GetString(obj, "callback", &has);
  if (!callback.ok()) return callback.status();
  if (!callback.value().empty()) {
    auto url = ParseHttpUrl(callback.value());
    if (!url.ok())
      return Bad("field 'callback' " + url.status().message() + ": '" +
                 ToValidUtf8(callback.value().substr(0, 200)) + "'");
    spec.callback = callback.value();
  }
  return spec;
}

std::optional<ShebangLine> ParseShebang(std::string_view script) {
  if (script.substr(0, 2) != "#!") return std::nullopt;
  std::string_view line = script.substr(2, script.find('\n') - 2);
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  size_t b = 0;
  while (b < line.size() && blank(line[b])) b++;
  size_t e = b;
  while (e < line.size() && !blank(line[e])) e++;
  if (e == b) return std::nullopt;
  ShebangLine s{std::string(line.substr(b, e - b)), ""};
  // The kernel passes the rest of the line, trimmed, as one argument.
  size_t ab = e;
  while (ab < line.size() && blank(line[ab])) ab++;
  size_t ae = line.size();
  while (ae > ab && blank(line[ae - 1])) ae--;
  s.arg = std::string(line.substr(ab, ae - ab));
  return s;
}

std::string ScriptTaskName(std::string_view script) {
  size_t at = 0;
  while (at <= script.size()) {
    size_t nl = script.find('\n', at);
    std::string_view line =
        script.substr(at, nl == std::string_view::npos ? nl : nl - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.substr(0, 2) != "#!") return "script:" + std::string(line);
    if (nl == std::string_view::npos) break;
    at = nl + 1;
  }
  return "script:";
}

Result<TaskSpec> ParseProducerItem(std::string_view payload,
                                   const ProducerLimits& limits) {
  if (static_cast<int64_t>(payload.size()) > limits.max_task_bytes)
    return Bad("item of " + std::to_string(payload.size()) +
               " bytes is over --max-task-bytes (" +
               std::to_string(limits.max_task_bytes) + ")");
  json_error_t err;
  JsonPtr root(json_loadb(payload.data(), payload.size(),
                          JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err));
  if (!root) return Bad(std::string("not JSON: ") + err.text);
  return TaskFromJsonObject(root.get(), limits);
}

std::string EncodeQueueItem(const TaskSpec& s) {
  JsonPtr o(json_object());
  json_object_set_new(o.get(), "a", json_integer(s.attempt));
  json_object_set_new(o.get(), "id", json_stringn(s.id.data(), s.id.size()));
  json_object_set_new(o.get(), "chan",
                      json_stringn(s.channel.data(), s.channel.size()));
  json_object_set_new(o.get(), "name",
                      json_stringn(s.name.data(), s.name.size()));
  json_object_set_new(o.get(), "cmd",
                      json_stringn(s.command.data(), s.command.size()));
  if (s.args) {
    json_t* a = json_array();
    for (const auto& x : *s.args)
      json_array_append_new(a, json_stringn(x.data(), x.size()));
    json_object_set_new(o.get(), "args", a);
  }
  if (s.timeout_s > 0)
    json_object_set_new(o.get(), "timeout", json_real(s.timeout_s));
  if (!s.env.empty()) {
    json_t* e = json_object();
    for (const auto& [k, v] : s.env)
      json_object_set_new(e, k.c_str(), json_stringn(v.data(), v.size()));
    json_object_set_new(o.get(), "env", e);
  }
  if (!s.cwd.empty())
    json_object_set_new(o.get(), "cwd",
                        json_stringn(s.cwd.data(), s.cwd.size()));
  if (s.retry >= 0)
    json_object_set_new(o.get(), "retry", json_integer(s.retry));
  if (!s.retry_on.empty()) {
    json_t* a = json_array();
    for (int c : s.retry_on) json_array_append_new(a, json_integer(c));
    json_object_set_new(o.get(), "retry_on", a);
  }
  if (!s.limits.empty())
    json_object_set_new(o.get(), "limits", LimitsToJsonObject(s.limits));
  if (s.due_ms > 0) json_object_set_new(o.get(), "due", json_integer(s.due_ms));
  if (s.is_script()) {
    json_object_set_new(o.get(), "script",
                        json_stringn(s.script.data(), s.script.size()));
    if (!s.interpreter.empty())
      json_object_set_new(
          o.get(), "interp",
          json_stringn(s.interpreter.data(), s.interpreter.size()));
  }
  return JsonDump(o.get());
}

Result<TaskSpec> DecodeQueueItem(std::string_view item) {
  json_error_t err;
  JsonPtr o(json_loadb(item.data(), item.size(), 0, &err));
  if (!o || !json_is_object(o.get()))
    return Bad(std::string("bad queue item: ") + err.text);
  auto str = [&](const char* k) {
    json_t* v = json_object_get(o.get(), k);
    return json_is_string(v)
               ? std::string(json_string_value(v), json_string_length(v))
               : std::string();
  };
  TaskSpec s;
  s.id = str("id");
  s.channel = str("chan");
  s.name = str("name");
  s.command = str("cmd");
  s.cwd = str("cwd");
  s.script = str("script");
  s.interpreter = str("interp");
  if (s.id.empty() || s.command.empty())
    return Bad("bad queue item: no id/cmd");
  json_t* args = json_object_get(o.get(), "args");
  if (json_is_array(args)) {
    s.args = std::vector<std::string>();
    size_t i;
    json_t* a;
    json_array_foreach(args, i, a) {
      if (json_is_string(a))
        s.args->emplace_back(json_string_value(a), json_string_length(a));
    }
  }
  json_t* a = json_object_get(o.get(), "a");
  if (json_is_integer(a)) s.attempt = static_cast<int>(json_integer_value(a));
  json_t* due = json_object_get(o.get(), "due");
  if (json_is_integer(due)) s.due_ms = json_integer_value(due);
  json_t* t = json_object_get(o.get(), "timeout");
  if (json_is_number(t)) s.timeout_s = json_number_value(t);
  json_t* r = json_object_get(o.get(), "retry");
  if (json_is_integer(r)) s.retry = static_cast<int>(json_integer_value(r));
  json_t* ro = json_object_get(o.get(), "retry_on");
  if (json_is_array(ro)) {
    size_t i;
    json_t* c;
    json_array_foreach(ro, i, c) {
      if (json_is_integer(c))
        s.retry_on.push_back(static_cast<int>(json_integer_value(c)));
    }
  }
  if (json_t* lim = json_object_get(o.get(), "limits")) {
    // Dropping limits that cannot be read would run the task with less
    // than it asked for.
    auto l = LimitsFromJson(lim);
    if (!l.ok()) return Bad("bad queue item: " + l.status().message());
    s.limits = l.value();
  }
  json_t* env = json_object_get(o.get(), "env");
  if (json_is_object(env)) {
    const char* k;
    json_t* v;
    json_object_foreach(env, k, v) {
      if (json_is_string(v))
        s.env.emplace_back(
            k, std::string(json_string_value(v), json_string_length(v)));
    }
  }
  return s;
}

}  // namespace coyotes
