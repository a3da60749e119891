// The daemon as a whole: status, delayed, dead-letters and metrics.
#include "base/wall_clock.h"
#include "ctl/commands.h"
#include "ctl/table.h"
#include "ctl/time_text.h"

namespace coyotes {

namespace {

constexpr OptSpec kPageOptions[] = {{"limit", 0, true}, {"offset", 0, true}};
constexpr OptSpec kDeadLetterOptions[] = {
    {"clear", 0, false}, {"limit", 0, true}, {"offset", 0, true}};

std::string Page(const ParsedArgs& p) {
  return PageQuery(p.Get("limit").value_or(""), p.Get("offset").value_or(""));
}

std::string Uptime(int64_t s) {
  if (s < 120) return std::to_string(s) + "s";
  if (s < 2 * 3600) return std::to_string(s / 60) + "m";
  if (s < 2 * 86400) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

}  // namespace

int RunStatus(Ctl& ctl, const Args& args) {
  ParsedArgs p;
  int rc;
  if (!ParseOperands(ctl, "status", args, {}, 0, "", &p, &rc)) return rc;
  Result<ApiReply> r = ctl.api().Call("GET", "/");
  if (!Good(r)) return ctl.Fail(r);
  const json_t* d = r->data.get();
  if (ctl.json()) {
    ctl.PrintJson(d);
    return kCtlOk;
  }
  const json_t* redis = json_object_get(d, "redis");
  const bool up = Flag(redis, "connected");
  const std::string state = Text(d, "state");
  std::vector<std::pair<std::string, Cell>> f = {
      {"version", Text(d, "version")},
      {"pid", Text(d, "pid")},
      {"uptime", Uptime(Number(d, "uptime_s"))},
      {"state",
       Cell(state, state == "running" ? Style::kGreen : Style::kYellow)},
      {"redis",
       Cell(Text(redis, "addr") + (up ? " (connected)" : " (not connected)"),
            up ? Style::kPlain : Style::kRed)},
      {"waiting", Text(d, "waiting")},
  };
  const json_t* totals = json_object_get(d, "totals");
  if (json_is_object(totals))
    f.emplace_back("totals", "dealt " + Text(totals, "dealt") + ", succeeded " +
                                 Text(totals, "succeeded") + ", failed " +
                                 Text(totals, "failed"));
  ctl.Print(RenderFields(f, ctl.color()));
  Table t({"CHANNEL", "INDEX", "PID", "USER", "STATE", "TASK"});
  size_t i;
  const json_t* w;
  json_array_foreach(json_object_get(d, "workers"), i, w) {
    const std::string s = Text(w, "state");
    t.AddRow({Text(w, "channel"), Text(w, "index"), Text(w, "pid"),
              Text(w, "user"),
              Cell(s, s == "running" ? Style::kBlue
                      : s == "idle"  ? Style::kPlain
                                     : Style::kYellow),
              Text(w, "task_id")});
  }
  if (!t.empty()) ctl.Print("\n" + t.Render(ctl.color()));
  return kCtlOk;
}

int RunDelayed(Ctl& ctl, const Args& args) {
  ParsedArgs p;
  int rc;
  if (!ParseOperands(ctl, "delayed", args, kPageOptions, 0, "", &p, &rc))
    return rc;
  Result<ApiReply> r = ctl.api().Call("GET", "/delay-tasks" + Page(p));
  if (!Good(r)) return ctl.Fail(r);
  if (ctl.json()) {
    ctl.PrintJson(r->data.get());
    return kCtlOk;
  }
  const int64_t now = WallMs();
  Table t({"ID", "CHANNEL", "DUE", "ATTEMPTS", "NAME"});
  t.SetMaxWidth(4, 60);
  size_t i;
  const json_t* task;
  json_array_foreach(json_object_get(r->data.get(), "tasks"), i, task) {
    const int64_t due = Number(task, "due_at");
    t.AddRow({Text(task, "task_id"), Text(task, "channel"),
              FormatMs(due) + " (" + FormatRelative(due, now) + ")",
              Text(task, "attempts"), Text(task, "task_name")});
  }
  ctl.Print(t.Render(ctl.color()));
  return kCtlOk;
}

int RunDeadLetters(Ctl& ctl, const Args& args) {
  ParsedArgs p;
  int rc;
  if (!ParseOperands(ctl, "dead-letters", args, kDeadLetterOptions, 0, "", &p,
                     &rc))
    return rc;
  if (p.Has("clear")) {
    Result<ApiReply> r = ctl.api().Call("DELETE", "/dead-letters");
    if (!Good(r)) return ctl.Fail(r);
    if (ctl.json())
      ctl.PrintJson(r->data.get());
    else
      ctl.Print("dead letters cleared\n");
    return kCtlOk;
  }
  Result<ApiReply> r = ctl.api().Call("GET", "/dead-letters" + Page(p));
  if (!Good(r)) return ctl.Fail(r);
  if (ctl.json()) {
    ctl.PrintJson(r->data.get());
    return kCtlOk;
  }
  Table t({"AT", "REASON", "PAYLOAD"});
  t.SetMaxWidth(1, 50);
  t.SetMaxWidth(2, 80);
  size_t i;
  const json_t* item;
  json_array_foreach(json_object_get(r->data.get(), "items"), i, item) {
    const json_t* payload = json_object_get(item, "payload");
    t.AddRow({FormatMs(Number(item, "at")),
              Cell(Text(item, "reason"), Style::kRed),
              json_is_string(payload) ? json_string_value(payload)
                                      : JsonDump(payload)});
  }
  ctl.Print(t.Render(ctl.color()));
  return kCtlOk;
}

int RunMetrics(Ctl& ctl, const Args& args) {
  ParsedArgs p;
  int rc;
  if (!ParseOperands(ctl, "metrics", args, {}, 0, "", &p, &rc)) return rc;
  // Prometheus text, not the JSON envelope: printed as it came, --json
  // or not.
  Result<ApiReply> r = ctl.api().Call("GET", "/metrics");
  if (!Good(r)) return ctl.Fail(r);
  ctl.Print(r->text);
  return kCtlOk;
}

}  // namespace coyotes
