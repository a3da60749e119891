#include "http/routes.h"

#include <algorithm>
#include <string_view>

#include "base/channel_name.h"
#include "base/json_util.h"
#include "base/log.h"
#include "http/api_handlers.h"
#include "task/schedule.h"
#include "task/task_codec.h"

namespace coyotes {

namespace {

// Every endpoint of the API. The retry-all row goes before the rows whose
// last segment is a failed task id: "retry-all" is also a well-formed id,
// and only POST means the whole set (GET and DELETE take it as an id).
constexpr Route kApiRoutes[] = {
    {EVHTTP_REQ_GET, "/", GetStatus, false},
    {EVHTTP_REQ_GET, "/healthz", GetHealthz, false, false},
    {EVHTTP_REQ_GET, "/metrics", GetMetrics, false},
    {EVHTTP_REQ_GET, "/channels", ListChannels},
    {EVHTTP_REQ_POST, "/channels", CreateChannel},
    {EVHTTP_REQ_GET, "/channels/{channel}", GetChannel},
    {EVHTTP_REQ_POST, "/channels/{channel}", PostTask},
    {EVHTTP_REQ_DELETE, "/channels/{channel}", DeleteChannel},
    {EVHTTP_REQ_POST, "/channels/{channel}/tasks", PostTask},
    {EVHTTP_REQ_POST, "/channels/{channel}/pause", PauseChannel},
    {EVHTTP_REQ_POST, "/channels/{channel}/resume", ResumeChannel},
    {EVHTTP_REQ_GET, "/tasks/{task_id}", GetTask},
    {EVHTTP_REQ_GET, "/tasks/{task_id}/output", GetTaskOutput},
    {EVHTTP_REQ_DELETE, "/tasks/{task_id}", CancelTask},
    {EVHTTP_REQ_GET, "/dead-letters", ListDeadLetters},
    {EVHTTP_REQ_DELETE, "/dead-letters", ClearDeadLetters},
    {EVHTTP_REQ_GET, "/schedules", ListSchedules},
    {EVHTTP_REQ_POST, "/schedules", PutSchedule},
    {EVHTTP_REQ_GET, "/schedules/{schedule}", GetSchedule},
    {EVHTTP_REQ_DELETE, "/schedules/{schedule}", DeleteSchedule},
    {EVHTTP_REQ_GET, "/delay-tasks", ListDelayed},
    {EVHTTP_REQ_GET, "/delay-tasks/{delayed_id}", GetDelayed},
    {EVHTTP_REQ_DELETE, "/delay-tasks/{delayed_id}", CancelDelayed},
    {EVHTTP_REQ_GET, "/channels/{channel}/failed-tasks", ListFailed},
    {EVHTTP_REQ_POST, "/channels/{channel}/failed-tasks/retry-all",
     RetryAllFailed},
    {EVHTTP_REQ_GET, "/channels/{channel}/failed-tasks/{failed_id}", GetFailed},
    {EVHTTP_REQ_POST, "/channels/{channel}/failed-tasks/{failed_id}",
     RerunFailed},
    {EVHTTP_REQ_DELETE, "/channels/{channel}/failed-tasks/{failed_id}",
     ForgetFailed},
    {EVHTTP_REQ_GET, "/channels/{channel}/running", ListRunning},
    {EVHTTP_REQ_GET, "/stats/history", GetStatsHistory, false},
    // The dashboard: "/ui" and "/ui/" are one path here (SplitPath), so
    // GetUi tells them apart by the request's own path.
    {EVHTTP_REQ_GET, "/ui", GetUi, false, false},
    {EVHTTP_REQ_GET, "/ui/app.js", GetUiAsset, false, false},
    {EVHTTP_REQ_GET, "/ui/style.css", GetUiAsset, false, false},
    {EVHTTP_REQ_GET, "/ui/favicon.svg", GetUiAsset, false, false},
};

// What each path parameter must look like and the answer when it does not,
// in the order they are checked: the channel name before any id. A
// malformed id is answered 404, as an unknown one is.
struct ParamRule {
  std::string_view name;
  bool (*valid)(std::string_view);
  int status;
  const char* message;  // for a 404, followed by the id
};
constexpr ParamRule kParamRules[] = {
    {"channel", IsValidChannelName, 400,
     "invalid channel name (allowed: [A-Za-z0-9_.:-], 1 to 64 characters)"},
    {"task_id", IsValidTaskId, 404, "no task "},
    {"delayed_id", IsValidTaskId, 404, "no delayed task "},
    {"failed_id", IsValidTaskId, 404, "no failed task "},
    {"schedule", IsValidScheduleName, 404, "no schedule "},
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// True, with the parameters in `params`, when `segments` has the shape of
// `pattern`.
bool MatchPattern(std::string_view pattern,
                  const std::vector<std::string>& segments,
                  PathParams* params) {
  PathParams found;
  size_t n = 0;
  for (size_t pos = 0; pos < pattern.size();) {
    size_t end = pattern.find('/', pos);
    if (end == std::string_view::npos) end = pattern.size();
    std::string_view piece = pattern.substr(pos, end - pos);
    pos = end + 1;
    if (piece.empty()) continue;
    if (n == segments.size()) return false;
    const std::string& seg = segments[n++];
    if (piece.size() > 2 && piece.front() == '{' && piece.back() == '}')
      found.emplace_back(piece.substr(1, piece.size() - 2), seg);
    else if (piece != seg)
      return false;
  }
  if (n != segments.size()) return false;
  *params = std::move(found);
  return true;
}

// False, with the refusal in `m`, when a parameter is malformed.
bool CheckParams(const PathParams& params, RouteMatch* m) {
  for (const auto& [name, value] : params) {
    bool known = false;
    for (const ParamRule& rule : kParamRules) known |= rule.name == name;
    CHECK(known) << "route parameter {" << name << "} has no rule";
  }
  for (const ParamRule& rule : kParamRules) {
    for (const auto& [name, value] : params) {
      if (name != rule.name || rule.valid(value)) continue;
      m->outcome = RouteMatch::kBadParam;
      m->status = rule.status;
      m->message = rule.message;
      if (rule.status == 404) m->message += ToValidUtf8(value);
      return false;
    }
  }
  return true;
}

std::string AllowValue(unsigned methods) {
  std::string allow;
  for (evhttp_cmd_type m : {EVHTTP_REQ_GET, EVHTTP_REQ_HEAD, EVHTTP_REQ_POST,
                            EVHTTP_REQ_PUT, EVHTTP_REQ_DELETE}) {
    if (!(methods & m)) continue;
    if (!allow.empty()) allow += ", ";
    allow += MethodName(m);
  }
  return allow;
}

}  // namespace

std::span<const Route> ApiRoutes() { return kApiRoutes; }

RouteMatch MatchRoute(std::span<const Route> table, evhttp_cmd_type method,
                      const std::vector<std::string>& segments) {
  RouteMatch m;
  const Route* chosen = nullptr;
  PathParams chosen_params, path_params;
  unsigned methods = 0;
  for (const Route& r : table) {
    PathParams p;
    if (!MatchPattern(r.pattern, segments, &p)) continue;
    methods |= r.method;
    if (r.method == EVHTTP_REQ_GET) methods |= EVHTTP_REQ_HEAD;
    for (const auto& param : p)
      if (std::find(path_params.begin(), path_params.end(), param) ==
          path_params.end())
        path_params.push_back(param);
    bool takes = r.method == method ||
                 (r.method == EVHTTP_REQ_GET && method == EVHTTP_REQ_HEAD);
    if (takes && chosen == nullptr) {
      chosen = &r;
      chosen_params = std::move(p);
    }
  }
  if (methods == 0) return m;
  // With no row for the method, every parameter of the path is checked, so
  // that a malformed id is 404 before a wrong method is 405.
  if (!CheckParams(chosen ? chosen_params : path_params, &m)) return m;
  if (chosen == nullptr) {
    m.outcome = RouteMatch::kMethodNotAllowed;
    m.allow = AllowValue(methods);
    return m;
  }
  m.outcome = RouteMatch::kFound;
  m.handler = chosen->handler;
  m.needs_redis = chosen->needs_redis;
  m.needs_token = chosen->needs_token;
  m.params = std::move(chosen_params);
  return m;
}

Result<std::vector<std::string>> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  bool any = false;
  for (size_t i = 0; i < path.size(); i++) {
    char c = path[i];
    if (c == '/') {
      if (any) out.push_back(cur);
      cur.clear();
      any = false;
      continue;
    }
    any = true;
    if (c == '%') {
      if (i + 2 >= path.size() || HexValue(path[i + 1]) < 0 ||
          HexValue(path[i + 2]) < 0)
        return InvalidArgument("malformed percent-escape in the path");
      cur +=
          static_cast<char>(HexValue(path[i + 1]) * 16 + HexValue(path[i + 2]));
      i += 2;
      continue;
    }
    cur += c;
  }
  if (any) out.push_back(cur);
  return out;
}

const char* MethodName(evhttp_cmd_type m) {
  switch (m) {
    case EVHTTP_REQ_GET:
      return "GET";
    case EVHTTP_REQ_POST:
      return "POST";
    case EVHTTP_REQ_DELETE:
      return "DELETE";
    case EVHTTP_REQ_HEAD:
      return "HEAD";
    case EVHTTP_REQ_PUT:
      return "PUT";
    default:
      return "OTHER";
  }
}

}  // namespace coyotes
