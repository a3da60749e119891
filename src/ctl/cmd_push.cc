// push: a task from the command line to POST /channels/{channel} as a
// JSON body, and with --wait the task's end as the command's own. Text
// that is not UTF-8 reaches the daemon with U+FFFD in its place (JSON
// carries no other), except a script, which is refused rather than
// changed.
#include <fstream>
#include <sstream>

#include "ctl/args.h"
#include "ctl/commands.h"
#include "ctl/task_outcome.h"
#include "ctl/time_text.h"

namespace coyotes {

namespace {

constexpr OptSpec kPushOptions[] = {
    {"channel", 'c', true}, {"shell", 0, true},    {"script", 0, true},
    {"delay", 0, true},     {"at", 0, true},       {"retry", 0, true},
    {"timeout", 0, true},   {"env", 0, true},      {"cwd", 0, true},
    {"id", 0, true},        {"callback", 0, true}, {"wait", 0, false},
};

json_t* StringArray(const Args& items, size_t from) {
  json_t* a = json_array();
  for (size_t i = from; i < items.size(); ++i)
    json_array_append_new(a, JsonStringLossy(items[i]));
  return a;
}

// The JSON body of the task, or InvalidArgument (a usage error) naming
// the option at fault.
Result<JsonPtr> TaskBody(const ParsedArgs& p) {
  JsonPtr body(json_object());
  const bool shell = p.Has("shell"), script = p.Has("script");
  if (!shell && !script && p.positional.empty())
    return InvalidArgument(
        "nothing to run: give -- PROGRAM, --shell or "
        "--script");
  if (shell && (script || !p.positional.empty()))
    return InvalidArgument(
        "--shell takes the whole command; no PROGRAM or "
        "--script with it");
  if (shell) {
    json_object_set_new(body.get(), "task", JsonStringLossy(*p.Get("shell")));
  } else if (script) {
    const std::string path = *p.Get("script");
    std::ifstream f(path, std::ios::binary);
    std::stringstream text;
    if (!f || !(text << f.rdbuf()))
      return InvalidArgument("--script: cannot read " + path);
    if (text.str().empty())
      return InvalidArgument("--script: " + path + " is empty");
    json_object_set_new(body.get(), "script",
                        json_stringn(text.str().data(), text.str().size()));
    if (json_object_get(body.get(), "script") == nullptr)
      return InvalidArgument("--script: " + path + " is not UTF-8 text");
    json_object_set_new(body.get(), "args", StringArray(p.positional, 0));
  } else {
    json_object_set_new(body.get(), "command",
                        JsonStringLossy(p.positional[0]));
    json_object_set_new(body.get(), "args", StringArray(p.positional, 1));
  }
  if (p.Has("delay") && p.Has("at"))
    return InvalidArgument("--delay and --at exclude each other");
  if (auto v = p.Get("delay")) {
    Result<double> s = ParseSeconds(*v, "--delay");
    if (!s.ok()) return s.status();
    json_object_set_new(body.get(), "delay", json_real(*s));
  }
  if (auto v = p.Get("at")) {
    Result<double> t = ParseAtTime(*v);
    if (!t.ok()) return t.status();
    json_object_set_new(body.get(), "run_at", json_real(*t));
  }
  if (auto v = p.Get("retry")) {
    Result<long long> n = ParseWhole(*v, "--retry", 0, 100);
    if (!n.ok()) return n.status();
    json_object_set_new(body.get(), "retry", json_integer(*n));
  }
  if (auto v = p.Get("timeout")) {
    Result<double> s = ParseSeconds(*v, "--timeout");
    if (!s.ok()) return s.status();
    json_object_set_new(body.get(), "timeout", json_real(*s));
  }
  const Args env = p.GetAll("env");
  if (!env.empty()) {
    json_t* e = json_object();
    json_object_set_new(body.get(), "env", e);
    for (const std::string& kv : env) {
      size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0)
        return InvalidArgument("--env: expected NAME=VALUE, got '" + kv + "'");
      json_object_set_new(e, ToValidUtf8(kv.substr(0, eq)).c_str(),
                          JsonStringLossy(kv.substr(eq + 1)));
    }
  }
  for (const char* field : {"cwd", "id", "callback"})
    if (auto v = p.Get(field))
      json_object_set_new(body.get(), field, JsonStringLossy(*v));
  return body;
}

}  // namespace

int RunPush(Ctl& ctl, const Args& args) {
  Result<ParsedArgs> p =
      ParseArgs(args, kPushOptions, Positionals::kStopAtFirst);
  if (!p.ok()) return ctl.Usage("push", p.status().message());
  Result<JsonPtr> body = TaskBody(*p);
  if (!body.ok()) return ctl.Usage("push", body.status().message());
  const std::string channel = p->Get("channel").value_or("default");
  const bool wait = p->Has("wait");
  std::string target = "/channels/" + PathSegment(channel);
  if (wait) target += "?wait=" + std::to_string(kMaxWaitSeconds);
  Result<ApiReply> r =
      ctl.api().Call("POST", target, body->get(), wait ? kMaxWaitSeconds : 0);
  if (!Good(r)) return ctl.Fail(r);
  json_t* data = r->data.get();
  if (!Flag(data, "result")) {
    // 200 with result false: a distinct channel has the same command.
    return ctl.Refused("not queued: " + r->message);
  }
  const std::string id = Text(data, "task_id");
  if (wait) return FinishWait(ctl, id, std::move(r->data));
  if (ctl.json())
    ctl.PrintJson(data);
  else
    ctl.Print(id + "\n");
  return kCtlOk;
}

}  // namespace coyotes
