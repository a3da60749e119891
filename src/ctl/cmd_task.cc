// One task by its id: show (the record), wait (its end as our exit
// status), logs (its output, or the live output with -f) and cancel.
#include <cstdio>

#include "base/wall_clock.h"
#include "ctl/args.h"
#include "ctl/commands.h"
#include "ctl/follow_stream.h"
#include "ctl/table.h"
#include "ctl/task_outcome.h"
#include "ctl/time_text.h"

namespace coyotes {

namespace {

// A string field written raw to `out`: the task's own output, NULs and
// all (jansson keeps the length).
void WriteRaw(const json_t* object, const char* key, FILE* out) {
  const json_t* v = json_object_get(object, key);
  if (!json_is_string(v)) return;
  std::fwrite(json_string_value(v), 1, json_string_length(v), out);
  std::fflush(out);
}

std::string TaskPath(const std::string& id) {
  return "/tasks/" + PathSegment(id);
}

// The program and its arguments as one line to read (not to run).
std::string CommandText(const json_t* record) {
  std::string text = Text(record, "command");
  const json_t* args = json_object_get(record, "args");
  size_t i;
  const json_t* a;
  json_array_foreach(args, i, a) {
    std::string arg = json_is_string(a) ? json_string_value(a) : "";
    const bool plain =
        !arg.empty() &&
        arg.find_first_of(" \t\n'\"\\$`*?;&|<>()") == std::string::npos;
    text += " " + (plain ? arg : "'" + arg + "'");
  }
  return text;
}

std::string TimeField(const json_t* record, const char* key) {
  return FormatMs(Number(record, key, 0));
}

}  // namespace

int FinishWait(Ctl& ctl, const std::string& id, JsonPtr record) {
  while (!IsFinalState(Text(record.get(), "state"))) {
    Result<ApiReply> r = ctl.api().Call(
        "GET", TaskPath(id) + "?wait=" + std::to_string(kMaxWaitSeconds),
        nullptr, kMaxWaitSeconds);
    if (!Good(r)) return ctl.Fail(r);
    record = std::move(r->data);
  }
  if (ctl.json()) {
    ctl.PrintJson(record.get());
  } else {
    WriteRaw(record.get(), "stdout", stdout);
    WriteRaw(record.get(), "stderr", stderr);
  }
  return TaskExitStatus(record.get());
}

int RunWait(Ctl& ctl, const Args& args) {
  ParsedArgs p;
  int rc;
  if (!ParseOperands(ctl, "wait", args, {}, 1, "ID", &p, &rc)) return rc;
  return FinishWait(ctl, p.positional[0], JsonPtr(json_object()));
}

int RunShow(Ctl& ctl, const Args& args) {
  ParsedArgs p;
  int rc;
  if (!ParseOperands(ctl, "show", args, {}, 1, "ID", &p, &rc)) return rc;
  Result<ApiReply> r = ctl.api().Call("GET", TaskPath(p.positional[0]));
  if (!Good(r)) return ctl.Fail(r);
  const json_t* t = r->data.get();
  if (ctl.json()) {
    ctl.PrintJson(t);
    return kCtlOk;
  }
  const std::string state = Text(t, "state");
  std::vector<std::pair<std::string, Cell>> f = {
      {"id", Text(t, "task_id")},
      {"name", Text(t, "task_name")},
      {"channel", Text(t, "channel")},
      {"state", Cell(state, StateStyle(state))},
  };
  if (json_is_string(json_object_get(t, "script")))
    f.emplace_back("script", Truncate(EscapeControl(Text(t, "script")), 200));
  else
    f.emplace_back("command", CommandText(t));
  f.emplace_back("attempts", Text(t, "attempts"));
  f.emplace_back("created", TimeField(t, "created_at"));
  f.emplace_back("started", TimeField(t, "started_at"));
  f.emplace_back("finished", TimeField(t, "finished_at"));
  if (Number(t, "due_at") > 0)
    f.emplace_back("due", TimeField(t, "due_at") + " (" +
                              FormatRelative(Number(t, "due_at"), WallMs()) +
                              ")");
  for (const char* key : {"worker", "exit_code", "signal", "reason", "schedule",
                          "callback", "callback_state"}) {
    std::string v = Text(t, key);
    if (!v.empty()) f.emplace_back(key, v);
  }
  // The output escaped and cut: `logs` gives it whole and raw.
  for (const char* key : {"stdout", "stderr"})
    f.emplace_back(key, Truncate(EscapeControl(Text(t, key)), 200));
  ctl.Print(RenderFields(f, ctl.color()));
  const json_t* history = json_object_get(t, "history");
  if (json_array_size(history) > 0) {
    Table table({"ATTEMPT", "STARTED", "FINISHED", "STATE", "EXIT", "SIGNAL",
                 "REASON"});
    size_t i;
    const json_t* h;
    json_array_foreach(history, i, h) {
      const std::string s = Text(h, "state");
      table.AddRow({Text(h, "attempt"), TimeField(h, "started_at"),
                    TimeField(h, "finished_at"), Cell(s, StateStyle(s)),
                    Text(h, "exit_code"), Text(h, "signal"),
                    Text(h, "reason")});
    }
    ctl.Print("\n" + table.Render(ctl.color()));
  }
  return kCtlOk;
}

int RunCancel(Ctl& ctl, const Args& args) {
  ParsedArgs p;
  int rc;
  if (!ParseOperands(ctl, "cancel", args, {}, 1, "ID", &p, &rc)) return rc;
  const std::string& id = p.positional[0];
  Result<ApiReply> r = ctl.api().Call("DELETE", TaskPath(id));
  if (!Good(r)) return ctl.Fail(r);
  if (ctl.json())
    ctl.PrintJson(r->data.get());
  else if (r->status == 202)
    ctl.Print(EscapeControl(id) + ": stopping (SIGTERM, then SIGKILL)\n");
  else
    ctl.Print(EscapeControl(id) + ": cancelled\n");
  return kCtlOk;
}

int RunLogs(Ctl& ctl, const Args& args) {
  static constexpr OptSpec kLogsOptions[] = {{"follow", 'f', false}};
  ParsedArgs p;
  int rc;
  if (!ParseOperands(ctl, "logs", args, kLogsOptions, 1, "ID", &p, &rc))
    return rc;
  const std::string path = TaskPath(p.positional[0]) + "/output";
  if (!p.Has("follow")) {
    Result<ApiReply> r = ctl.api().Call("GET", path);
    if (!Good(r)) return ctl.Fail(r);
    if (ctl.json()) {
      ctl.PrintJson(r->data.get());
    } else {
      WriteRaw(r->data.get(), "stdout", stdout);
      WriteRaw(r->data.get(), "stderr", stderr);
    }
    return kCtlOk;
  }
  // Each piece is written and flushed as it comes: someone is watching.
  const bool json = ctl.json();
  FollowStream stream([json](const FollowEvent& e) {
    if (json) {
      std::fwrite(e.line.data(), 1, e.line.size(), stdout);
      std::fputc('\n', stdout);
      std::fflush(stdout);
      return;
    }
    FILE* out = e.kind == FollowEvent::kStdout   ? stdout
                : e.kind == FollowEvent::kStderr ? stderr
                                                 : nullptr;
    if (out == nullptr) return;
    std::fwrite(e.data.data(), 1, e.data.size(), out);
    std::fflush(out);
  });
  Result<ApiReply> r = ctl.api().Stream(
      path + "?follow=1", [&](std::string_view b) { stream.Feed(b); });
  if (!Good(r)) return ctl.Fail(r);
  if (!stream.ended()) {
    std::fprintf(stderr,
                 "coyotesctl: the output stream ended before the task did\n");
    return kCtlUnavailable;
  }
  return kCtlOk;
}

}  // namespace coyotes
