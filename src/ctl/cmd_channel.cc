// Channels and what they hold: channels, channel, tasks, pause, resume,
// and the failed set (failed, retry, forget).
#include "ctl/args.h"
#include "ctl/commands.h"
#include "ctl/table.h"
#include "ctl/time_text.h"

namespace coyotes {

namespace {

constexpr OptSpec kPageOptions[] = {{"limit", 0, true}, {"offset", 0, true}};
constexpr OptSpec kRetryOptions[] = {{"all", 0, false}};

std::string ChannelPath(const std::string& name) {
  return "/channels/" + PathSegment(name);
}

std::string Page(const ParsedArgs& p) {
  return PageQuery(p.Get("limit").value_or(""), p.Get("offset").value_or(""));
}

std::string YesNo(bool b) { return b ? "yes" : "no"; }

Table TaskTable(const json_t* tasks) {
  Table t({"ID", "STATE", "NAME"});
  t.SetMaxWidth(2, 60);
  size_t i;
  const json_t* task;
  json_array_foreach(tasks, i, task) {
    const std::string s = Text(task, "status");
    t.AddRow({Text(task, "task_id"), Cell(s, StateStyle(s)),
              Text(task, "task_name")});
  }
  return t;
}

// pause and resume: the same request but for its last segment.
int PauseOrResume(Ctl& ctl, const Args& args, const char* command,
                  const char* done) {
  ParsedArgs p;
  int rc;
  if (!ParseOperands(ctl, command, args, {}, 1, "CHANNEL", &p, &rc)) return rc;
  Result<ApiReply> r =
      ctl.api().Call("POST", ChannelPath(p.positional[0]) + "/" + command);
  if (!Good(r)) return ctl.Fail(r);
  if (ctl.json())
    ctl.PrintJson(r->data.get());
  else
    ctl.Print(EscapeControl(p.positional[0]) + ": " + done + "\n");
  return kCtlOk;
}

}  // namespace

int RunChannels(Ctl& ctl, const Args& args) {
  ParsedArgs p;
  int rc;
  if (!ParseOperands(ctl, "channels", args, {}, 0, "", &p, &rc)) return rc;
  Result<ApiReply> r = ctl.api().Call("GET", "/channels");
  if (!Good(r)) return ctl.Fail(r);
  if (ctl.json()) {
    ctl.PrintJson(r->data.get());
    return kCtlOk;
  }
  Table t({"CHANNEL", "WORKERS", "TASKS", "DISTINCT", "PAUSED"});
  const char* name;
  const json_t* c;
  json_object_foreach(r->data.get(), name, c) {
    const bool paused = Flag(c, "paused");
    t.AddRow({name, Text(c, "workers"), Text(c, "count"),
              YesNo(Flag(c, "distinct")),
              Cell(YesNo(paused), paused ? Style::kYellow : Style::kPlain)});
  }
  ctl.Print(t.Render(ctl.color()));
  return kCtlOk;
}

int RunChannel(Ctl& ctl, const Args& args) {
  ParsedArgs p;
  int rc;
  if (!ParseOperands(ctl, "channel", args, {}, 1, "NAME", &p, &rc)) return rc;
  Result<ApiReply> r = ctl.api().Call("GET", ChannelPath(p.positional[0]));
  if (!Good(r)) return ctl.Fail(r);
  const json_t* c = r->data.get();
  if (ctl.json()) {
    ctl.PrintJson(c);
    return kCtlOk;
  }
  const bool paused = Flag(c, "paused");
  ctl.Print(RenderFields(
      {{"channel", p.positional[0]},
       {"workers", Text(c, "workers")},
       {"tasks", Text(c, "count")},
       {"distinct", YesNo(Flag(c, "distinct"))},
       {"paused",
        Cell(YesNo(paused), paused ? Style::kYellow : Style::kPlain)}},
      ctl.color()));
  Table t = TaskTable(json_object_get(c, "tasks"));
  if (!t.empty()) ctl.Print("\n" + t.Render(ctl.color()));
  return kCtlOk;
}

int RunTasks(Ctl& ctl, const Args& args) {
  ParsedArgs p;
  int rc;
  if (!ParseOperands(ctl, "tasks", args, kPageOptions, 1, "CHANNEL", &p, &rc))
    return rc;
  Result<ApiReply> r =
      ctl.api().Call("GET", ChannelPath(p.positional[0]) + Page(p));
  if (!Good(r)) return ctl.Fail(r);
  const json_t* tasks = json_object_get(r->data.get(), "tasks");
  if (ctl.json())
    ctl.PrintJson(tasks);
  else
    ctl.Print(TaskTable(tasks).Render(ctl.color()));
  return kCtlOk;
}

int RunPause(Ctl& ctl, const Args& args) {
  return PauseOrResume(ctl, args, "pause", "paused");
}

int RunResume(Ctl& ctl, const Args& args) {
  return PauseOrResume(ctl, args, "resume", "resumed");
}

int RunFailed(Ctl& ctl, const Args& args) {
  ParsedArgs p;
  int rc;
  if (!ParseOperands(ctl, "failed", args, kPageOptions, 1, "CHANNEL", &p, &rc))
    return rc;
  Result<ApiReply> r = ctl.api().Call(
      "GET", ChannelPath(p.positional[0]) + "/failed-tasks" + Page(p));
  if (!Good(r)) return ctl.Fail(r);
  if (ctl.json()) {
    ctl.PrintJson(r->data.get());
    return kCtlOk;
  }
  Table t({"ID", "FINISHED", "ATTEMPTS", "REASON", "NAME"});
  t.SetMaxWidth(3, 40);
  t.SetMaxWidth(4, 50);
  size_t i;
  const json_t* task;
  json_array_foreach(json_object_get(r->data.get(), "tasks"), i, task) {
    t.AddRow({Text(task, "task_id"), FormatMs(Number(task, "finished_at")),
              Text(task, "attempts"), Cell(Text(task, "reason"), Style::kRed),
              Text(task, "task_name")});
  }
  ctl.Print(t.Render(ctl.color()));
  return kCtlOk;
}

int RunRetry(Ctl& ctl, const Args& args) {
  Result<ParsedArgs> p = ParseArgs(args, kRetryOptions);
  if (!p.ok()) return ctl.Usage("retry", p.status().message());
  const bool all = p->Has("all");
  const size_t want = all ? 1 : 2;
  if (p->positional.size() != want)
    return ctl.Usage("retry", p->positional.size() < want
                                  ? (all ? "missing CHANNEL"
                                         : "missing CHANNEL and ID (or --all)")
                                  : "too many operands");
  const std::string path =
      ChannelPath(p->positional[0]) + "/failed-tasks/" +
      (all ? std::string("retry-all") : PathSegment(p->positional[1]));
  Result<ApiReply> r = ctl.api().Call("POST", path);
  if (!Good(r)) return ctl.Fail(r);
  if (ctl.json())
    ctl.PrintJson(r->data.get());
  else if (all)
    ctl.Print(Text(r->data.get(), "queued") + " queued again\n");
  else
    ctl.Print(EscapeControl(p->positional[1]) + ": queued again\n");
  return kCtlOk;
}

int RunForget(Ctl& ctl, const Args& args) {
  ParsedArgs p;
  int rc;
  if (!ParseOperands(ctl, "forget", args, {}, 2, "CHANNEL and ID", &p, &rc))
    return rc;
  Result<ApiReply> r =
      ctl.api().Call("DELETE", ChannelPath(p.positional[0]) + "/failed-tasks/" +
                                   PathSegment(p.positional[1]));
  if (!Good(r)) return ctl.Fail(r);
  if (ctl.json())
    ctl.PrintJson(r->data.get());
  else
    ctl.Print(EscapeControl(p.positional[1]) + ": forgotten\n");
  return kCtlOk;
}

}  // namespace coyotes
