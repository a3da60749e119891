// Schedules: schedules (the list), schedule add and schedule rm.
#include "base/wall_clock.h"
#include "ctl/commands.h"
#include "ctl/table.h"
#include "ctl/time_text.h"

namespace coyotes {

namespace {

constexpr OptSpec kAddOptions[] = {{"channel", 'c', true},
                                   {"tz", 0, true},
                                   {"overlap", 0, true},
                                   {"shell", 0, true}};

std::string TaskOf(const json_t* s) {
  std::string task = Text(s, "task");
  if (!task.empty()) return task;
  task = Text(s, "command");
  size_t i;
  const json_t* a;
  json_array_foreach(json_object_get(s, "args"), i, a) {
    task += " ";
    task += json_is_string(a) ? json_string_value(a) : "";
  }
  return task;
}

int Add(Ctl& ctl, const Args& args) {
  // NAME and CRON come first, then the options, then "--" and the program.
  // The program's own options are not ours: only the words before "--"
  // are parsed.
  Args head = args, program;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") {
      head.assign(args.begin(), args.begin() + static_cast<long>(i));
      program.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
  }
  Result<ParsedArgs> p = ParseArgs(head, kAddOptions, Positionals::kMixed);
  if (!p.ok()) return ctl.Usage("schedule", p.status().message());
  if (p->positional.size() < 2)
    return ctl.Usage("schedule", "add: missing NAME and CRON");
  // Words after NAME and CRON without "--" are the program too.
  for (size_t i = 2; i < p->positional.size(); ++i)
    program.insert(program.begin() + static_cast<long>(i - 2),
                   p->positional[i]);
  const bool shell = p->Has("shell");
  if (shell == !program.empty())
    return ctl.Usage("schedule",
                     "add: give either -- PROGRAM [ARGS...] or --shell");
  JsonPtr body(json_object());
  json_object_set_new(body.get(), "name", JsonStringLossy(p->positional[0]));
  json_object_set_new(body.get(), "cron", JsonStringLossy(p->positional[1]));
  if (auto v = p->Get("channel"))
    json_object_set_new(body.get(), "channel", JsonStringLossy(*v));
  if (auto v = p->Get("tz"))
    json_object_set_new(body.get(), "timezone", JsonStringLossy(*v));
  if (auto v = p->Get("overlap"))
    json_object_set_new(body.get(), "overlap", JsonStringLossy(*v));
  if (shell) {
    json_object_set_new(body.get(), "task", JsonStringLossy(*p->Get("shell")));
  } else {
    json_object_set_new(body.get(), "command", JsonStringLossy(program[0]));
    json_t* a = json_array();
    for (size_t i = 1; i < program.size(); ++i)
      json_array_append_new(a, JsonStringLossy(program[i]));
    json_object_set_new(body.get(), "args", a);
  }
  Result<ApiReply> r = ctl.api().Call("POST", "/schedules", body.get());
  if (!Good(r)) return ctl.Fail(r);
  if (ctl.json()) {
    ctl.PrintJson(r->data.get());
    return kCtlOk;
  }
  const json_t* next =
      json_array_get(json_object_get(r->data.get(), "next"), 0);
  ctl.Print(EscapeControl(p->positional[0]) + ": saved" +
            (json_is_integer(next)
                 ? ", next " + FormatMs(json_integer_value(next))
                 : std::string()) +
            "\n");
  return kCtlOk;
}

int Remove(Ctl& ctl, const Args& args) {
  ParsedArgs p;
  int rc;
  if (!ParseOperands(ctl, "schedule", args, {}, 1, "NAME", &p, &rc)) return rc;
  Result<ApiReply> r =
      ctl.api().Call("DELETE", "/schedules/" + PathSegment(p.positional[0]));
  if (!Good(r)) return ctl.Fail(r);
  if (ctl.json())
    ctl.PrintJson(r->data.get());
  else
    ctl.Print(EscapeControl(p.positional[0]) + ": deleted\n");
  return kCtlOk;
}

}  // namespace

int RunSchedules(Ctl& ctl, const Args& args) {
  ParsedArgs p;
  int rc;
  if (!ParseOperands(ctl, "schedules", args, {}, 0, "", &p, &rc)) return rc;
  Result<ApiReply> r = ctl.api().Call("GET", "/schedules");
  if (!Good(r)) return ctl.Fail(r);
  if (ctl.json()) {
    ctl.PrintJson(r->data.get());
    return kCtlOk;
  }
  const int64_t now = WallMs();
  Table t({"NAME", "CRON", "TIMEZONE", "CHANNEL", "NEXT", "FIRED", "TASK"});
  t.SetMaxWidth(6, 50);
  size_t i;
  const json_t* s;
  json_array_foreach(json_object_get(r->data.get(), "schedules"), i, s) {
    const json_t* next = json_array_get(json_object_get(s, "next"), 0);
    std::string when = "disabled";
    if (json_is_integer(next))
      when = FormatMs(json_integer_value(next)) + " (" +
             FormatRelative(json_integer_value(next), now) + ")";
    t.AddRow({Text(s, "name"), Text(s, "cron"), Text(s, "timezone"),
              Text(s, "channel"), when, Text(s, "fired"), TaskOf(s)});
  }
  ctl.Print(t.Render(ctl.color()));
  return kCtlOk;
}

int RunSchedule(Ctl& ctl, const Args& args) {
  if (args.empty()) return ctl.Usage("schedule", "missing add or rm");
  const Args rest(args.begin() + 1, args.end());
  if (args[0] == "add") return Add(ctl, rest);
  if (args[0] == "rm") return Remove(ctl, rest);
  return ctl.Usage("schedule",
                   "unknown subcommand '" + args[0] + "' (add or rm)");
}

}  // namespace coyotes
