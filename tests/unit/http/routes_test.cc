// Unit tests for src/http/routes.h: each endpoint's handler and path
// parameters, 404 for unknown paths, the order in which bad parameters and
// wrong methods are refused, the exact Allow values, HEAD as GET, and the
// path decoding (trailing and doubled slashes, percent-escapes).
#include "http/routes.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/api_handlers.h"

namespace coyotes {
namespace {

std::vector<std::string> Segs(const std::string& path) {
  auto s = SplitPath(path);
  EXPECT_TRUE(s.ok()) << path;
  return s.ok() ? s.value() : std::vector<std::string>();
}

RouteMatch Match(evhttp_cmd_type m, const std::string& path) {
  return MatchRoute(ApiRoutes(), m, Segs(path));
}

struct Dispatch {
  evhttp_cmd_type method;
  const char* path;
  Handler handler;
  PathParams params;
};

const Dispatch kDispatch[] = {
    {EVHTTP_REQ_GET, "/", GetStatus, {}},
    {EVHTTP_REQ_GET, "/healthz", GetHealthz, {}},
    {EVHTTP_REQ_GET, "/channels", ListChannels, {}},
    {EVHTTP_REQ_POST, "/channels", CreateChannel, {}},
    {EVHTTP_REQ_GET, "/channels/reports", GetChannel, {{"channel", "reports"}}},
    {EVHTTP_REQ_POST, "/channels/reports", PostTask, {{"channel", "reports"}}},
    {EVHTTP_REQ_DELETE,
     "/channels/reports",
     DeleteChannel,
     {{"channel", "reports"}}},
    {EVHTTP_REQ_POST,
     "/channels/reports/tasks",
     PostTask,
     {{"channel", "reports"}}},
    {EVHTTP_REQ_GET, "/tasks/t-1", GetTask, {{"task_id", "t-1"}}},
    {EVHTTP_REQ_DELETE, "/tasks/t-1", CancelTask, {{"task_id", "t-1"}}},
    {EVHTTP_REQ_GET, "/tasks/t-1/output", GetTaskOutput, {{"task_id", "t-1"}}},
    {EVHTTP_REQ_GET, "/dead-letters", ListDeadLetters, {}},
    {EVHTTP_REQ_DELETE, "/dead-letters", ClearDeadLetters, {}},
    {EVHTTP_REQ_GET, "/delay-tasks", ListDelayed, {}},
    {EVHTTP_REQ_GET, "/delay-tasks/d.2", GetDelayed, {{"delayed_id", "d.2"}}},
    {EVHTTP_REQ_DELETE,
     "/delay-tasks/d.2",
     CancelDelayed,
     {{"delayed_id", "d.2"}}},
    {EVHTTP_REQ_GET,
     "/channels/c:1/failed-tasks",
     ListFailed,
     {{"channel", "c:1"}}},
    {EVHTTP_REQ_POST,
     "/channels/c:1/failed-tasks/retry-all",
     RetryAllFailed,
     {{"channel", "c:1"}}},
    {EVHTTP_REQ_GET,
     "/channels/c:1/failed-tasks/f_3",
     GetFailed,
     {{"channel", "c:1"}, {"failed_id", "f_3"}}},
    {EVHTTP_REQ_POST,
     "/channels/c:1/failed-tasks/f_3",
     RerunFailed,
     {{"channel", "c:1"}, {"failed_id", "f_3"}}},
    {EVHTTP_REQ_DELETE,
     "/channels/c:1/failed-tasks/f_3",
     ForgetFailed,
     {{"channel", "c:1"}, {"failed_id", "f_3"}}},
    {EVHTTP_REQ_POST,
     "/channels/c:1/pause",
     PauseChannel,
     {{"channel", "c:1"}}},
    {EVHTTP_REQ_POST,
     "/channels/c:1/resume",
     ResumeChannel,
     {{"channel", "c:1"}}},
    {EVHTTP_REQ_GET, "/metrics", GetMetrics, {}},
    {EVHTTP_REQ_GET,
     "/channels/c:1/running",
     ListRunning,
     {{"channel", "c:1"}}},
    {EVHTTP_REQ_GET, "/stats/history", GetStatsHistory, {}},
    {EVHTTP_REQ_GET, "/ui", GetUi, {}},
    {EVHTTP_REQ_GET, "/ui/", GetUi, {}},
    {EVHTTP_REQ_GET, "/ui/app.js", GetUiAsset, {}},
    {EVHTTP_REQ_GET, "/ui/style.css", GetUiAsset, {}},
    {EVHTTP_REQ_GET, "/ui/favicon.svg", GetUiAsset, {}},
    {EVHTTP_REQ_GET, "/schedules", ListSchedules, {}},
    {EVHTTP_REQ_POST, "/schedules", PutSchedule, {}},
    {EVHTTP_REQ_GET,
     "/schedules/file:0a1b2c3d4e5f",
     GetSchedule,
     {{"schedule", "file:0a1b2c3d4e5f"}}},
    {EVHTTP_REQ_DELETE,
     "/schedules/nightly",
     DeleteSchedule,
     {{"schedule", "nightly"}}},
    // Only POST means the whole set; GET and DELETE take "retry-all" as
    // the id it also is.
    {EVHTTP_REQ_GET,
     "/channels/c:1/failed-tasks/retry-all",
     GetFailed,
     {{"channel", "c:1"}, {"failed_id", "retry-all"}}},
    {EVHTTP_REQ_DELETE,
     "/channels/c:1/failed-tasks/retry-all",
     ForgetFailed,
     {{"channel", "c:1"}, {"failed_id", "retry-all"}}},
};

TEST(RoutesTest, EachRouteDispatchesWithItsParameters) {
  for (const Dispatch& d : kDispatch) {
    RouteMatch m = Match(d.method, d.path);
    ASSERT_EQ(m.outcome, RouteMatch::kFound)
        << MethodName(d.method) << " " << d.path;
    EXPECT_EQ(m.handler, d.handler) << MethodName(d.method) << " " << d.path;
    EXPECT_EQ(m.params, d.params) << MethodName(d.method) << " " << d.path;
  }
}

TEST(RoutesTest, EveryTableRowIsReachable) {
  for (const Route& r : ApiRoutes()) {
    bool tested = false;
    for (const Dispatch& d : kDispatch)
      tested |= d.method == r.method && d.handler == r.handler;
    EXPECT_TRUE(tested) << MethodName(r.method) << " " << r.pattern;
  }
}

TEST(RoutesTest, HeadIsGet) {
  for (const Dispatch& d : kDispatch) {
    if (d.method != EVHTTP_REQ_GET) continue;
    RouteMatch m = Match(EVHTTP_REQ_HEAD, d.path);
    ASSERT_EQ(m.outcome, RouteMatch::kFound) << d.path;
    EXPECT_EQ(m.handler, d.handler) << d.path;
    EXPECT_EQ(m.params, d.params) << d.path;
  }
  // Where GET is not taken, neither is HEAD.
  RouteMatch m = Match(EVHTTP_REQ_HEAD, "/channels/c/tasks");
  EXPECT_EQ(m.outcome, RouteMatch::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "POST");
}

// Only what holds no data goes without a token: GET /healthz and the
// dashboard's files (whose page asks for a token for the rest).
TEST(RoutesTest, OnlyHealthzAndTheDashboardFilesNeedNoToken) {
  for (const Dispatch& d : kDispatch) {
    RouteMatch m = Match(d.method, d.path);
    std::string path = d.path;
    bool open = path == "/healthz" || path.starts_with("/ui");
    EXPECT_EQ(m.needs_token, !open) << MethodName(d.method) << " " << d.path;
  }
  EXPECT_FALSE(Match(EVHTTP_REQ_HEAD, "/ui/app.js").needs_token);
  EXPECT_TRUE(Match(EVHTTP_REQ_GET, "/stats/history").needs_token);
  // A path of the dashboard's folder that is not one of its files is no
  // route at all, so it gets the token check like any unknown path.
  EXPECT_EQ(Match(EVHTTP_REQ_GET, "/ui/secret").outcome,
            RouteMatch::kNoEndpoint);
  EXPECT_EQ(Match(EVHTTP_REQ_POST, "/ui/app.js").outcome,
            RouteMatch::kMethodNotAllowed);
}

TEST(RoutesTest, UnknownPathIs404WhateverTheMethod) {
  for (const char* path :
       {"/no/such/thing", "/tasks", "/task/x", "/channels/c/nope",
        "/channels/c/tasks/x", "/channels/c/failed-tasks/x/y",
        "/dead-letters/x", "/delay-tasks/x/y", "/CHANNELS", "/channels%2Fc"}) {
    for (evhttp_cmd_type m : {EVHTTP_REQ_GET, EVHTTP_REQ_POST,
                              EVHTTP_REQ_DELETE, EVHTTP_REQ_OPTIONS}) {
      RouteMatch r = Match(m, path);
      EXPECT_EQ(r.outcome, RouteMatch::kNoEndpoint)
          << MethodName(m) << " " << path;
      EXPECT_EQ(r.handler, nullptr);
    }
  }
}

TEST(RoutesTest, WrongMethodIs405WithTheAllowValue) {
  const struct {
    const char* path;
    const char* allow;
  } kAllow[] = {
      {"/", "GET, HEAD"},
      {"/channels", "GET, HEAD, POST"},
      {"/channels/c", "GET, HEAD, POST, DELETE"},
      {"/channels/c/tasks", "POST"},
      {"/tasks/t", "GET, HEAD, DELETE"},
      {"/dead-letters", "GET, HEAD, DELETE"},
      {"/delay-tasks", "GET, HEAD"},
      {"/delay-tasks/t", "GET, HEAD, DELETE"},
      {"/channels/c/failed-tasks", "GET, HEAD"},
      {"/channels/c/failed-tasks/t", "GET, HEAD, POST, DELETE"},
      {"/channels/c/failed-tasks/retry-all", "GET, HEAD, POST, DELETE"},
      {"/channels/c/running", "GET, HEAD"},
      {"/stats/history", "GET, HEAD"},
      {"/ui", "GET, HEAD"},
      {"/ui/app.js", "GET, HEAD"},
  };
  for (const auto& a : kAllow) {
    for (evhttp_cmd_type m :
         {EVHTTP_REQ_PUT, EVHTTP_REQ_PATCH, EVHTTP_REQ_OPTIONS}) {
      RouteMatch r = Match(m, a.path);
      EXPECT_EQ(r.outcome, RouteMatch::kMethodNotAllowed) << a.path;
      EXPECT_EQ(r.allow, a.allow) << a.path;
      EXPECT_EQ(r.handler, nullptr) << a.path;
    }
  }
  EXPECT_EQ(Match(EVHTTP_REQ_POST, "/").outcome, RouteMatch::kMethodNotAllowed);
  EXPECT_EQ(Match(EVHTTP_REQ_DELETE, "/channels").allow, "GET, HEAD, POST");
  EXPECT_EQ(Match(EVHTTP_REQ_GET, "/channels/c/tasks").allow, "POST");
  EXPECT_EQ(Match(EVHTTP_REQ_POST, "/tasks/t").allow, "GET, HEAD, DELETE");
  EXPECT_EQ(Match(EVHTTP_REQ_POST, "/delay-tasks").allow, "GET, HEAD");
}

TEST(RoutesTest, BadChannelIs400BeforeTheMethodIsChecked) {
  const std::string kWhy =
      "invalid channel name (allowed: [A-Za-z0-9_.:-], 1 to 64 characters)";
  for (const char* path :
       {"/channels/bad%20name", "/channels/a%2Fb", "/channels/bad!/tasks",
        "/channels/bad!/failed-tasks", "/channels/bad!/failed-tasks/retry-all",
        "/channels/bad!/failed-tasks/bad%20id"}) {
    for (evhttp_cmd_type m :
         {EVHTTP_REQ_GET, EVHTTP_REQ_POST, EVHTTP_REQ_PUT}) {
      RouteMatch r = Match(m, path);
      EXPECT_EQ(r.outcome, RouteMatch::kBadParam) << path;
      EXPECT_EQ(r.status, 400) << path;
      EXPECT_EQ(r.message, kWhy) << path;
    }
  }
  RouteMatch r = Match(EVHTTP_REQ_POST, "/channels/" + std::string(65, 'c'));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Match(EVHTTP_REQ_POST, "/channels/" + std::string(64, 'c')).outcome,
            RouteMatch::kFound);
}

TEST(RoutesTest, MalformedIdIsTheUnknownId404BeforeTheMethod) {
  const struct {
    const char* path;
    const char* message;
  } kBad[] = {
      {"/tasks/bad%20id", "no task bad id"},
      {"/delay-tasks/bad!", "no delayed task bad!"},
      {"/channels/c/failed-tasks/bad%2Fid", "no failed task bad/id"},
  };
  for (const auto& b : kBad) {
    for (evhttp_cmd_type m :
         {EVHTTP_REQ_GET, EVHTTP_REQ_POST, EVHTTP_REQ_DELETE, EVHTTP_REQ_PUT}) {
      RouteMatch r = Match(m, b.path);
      EXPECT_EQ(r.outcome, RouteMatch::kBadParam) << b.path;
      EXPECT_EQ(r.status, 404) << b.path;
      EXPECT_EQ(r.message, b.message) << b.path;
    }
  }
  // Invalid UTF-8 in an id is not echoed as is.
  RouteMatch r = Match(EVHTTP_REQ_GET, "/tasks/%FF");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.message, "no task \xFF");
  // A well-formed id with a wrong method is 405.
  EXPECT_EQ(Match(EVHTTP_REQ_PUT, "/tasks/" + std::string(128, 't')).outcome,
            RouteMatch::kMethodNotAllowed);
  EXPECT_EQ(Match(EVHTTP_REQ_PUT, "/tasks/" + std::string(129, 't')).status,
            404);
}

TEST(RoutesTest, TrailingAndDoubledSlashesNameTheSamePath) {
  for (const char* path :
       {"/channels/", "/channels///", "/channels//", "channels"}) {
    RouteMatch r = Match(EVHTTP_REQ_GET, path);
    EXPECT_EQ(r.outcome, RouteMatch::kFound) << path;
    EXPECT_EQ(r.handler, ListChannels) << path;
  }
  RouteMatch r = Match(EVHTTP_REQ_POST, "/channels//c//tasks/");
  EXPECT_EQ(r.handler, PostTask);
  EXPECT_EQ(r.params, (PathParams{{"channel", "c"}}));
  EXPECT_EQ(Match(EVHTTP_REQ_GET, "").handler, GetStatus);
  EXPECT_EQ(Match(EVHTTP_REQ_GET, "///").handler, GetStatus);
}

TEST(RoutesTest, PercentEscapesAreDecodedBeforeMatching) {
  RouteMatch r = Match(EVHTTP_REQ_GET, "/%63hannels/%72eports");
  EXPECT_EQ(r.handler, GetChannel);
  EXPECT_EQ(r.params, (PathParams{{"channel", "reports"}}));
  r = Match(EVHTTP_REQ_GET, "/tasks/a%3Ab");
  EXPECT_EQ(r.params, (PathParams{{"task_id", "a:b"}}));
}

TEST(RoutesTest, SplitPath) {
  EXPECT_EQ(Segs("/"), std::vector<std::string>{});
  EXPECT_EQ(Segs(""), std::vector<std::string>{});
  EXPECT_EQ(Segs("/a/b/"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Segs("//a///b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Segs("/a%2Fb/c"), (std::vector<std::string>{"a/b", "c"}));
  EXPECT_EQ(Segs("/%2F"), (std::vector<std::string>{"/"}));
  EXPECT_EQ(Segs("/a%20b%41"), (std::vector<std::string>{"a bA"}));
  EXPECT_EQ(Segs("/a+b"), (std::vector<std::string>{"a+b"}));
  for (const char* bad : {"/%", "/a%2", "/%zz", "/%2g/x", "/x/%"}) {
    auto s = SplitPath(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.status().message(), "malformed percent-escape in the path");
  }
}

// The matching on its own, over a table that is not the API's.
void Noop(const ApiContext&, const Request&) {}
void Other(const ApiContext&, const Request&) {}

TEST(RoutesTest, EarlierRowWinsAndTheAllowValueUnitesThePathsRows) {
  const Route kTable[] = {
      {EVHTTP_REQ_PUT, "/tasks/all", Other},
      {EVHTTP_REQ_PUT, "/tasks/{task_id}", Noop},
      {EVHTTP_REQ_DELETE, "/tasks/{task_id}", Noop},
  };
  RouteMatch r = MatchRoute(kTable, EVHTTP_REQ_PUT, {"tasks", "all"});
  EXPECT_EQ(r.handler, Other);
  EXPECT_TRUE(r.params.empty());
  r = MatchRoute(kTable, EVHTTP_REQ_DELETE, {"tasks", "all"});
  EXPECT_EQ(r.handler, Noop);
  EXPECT_EQ(r.params, (PathParams{{"task_id", "all"}}));
  r = MatchRoute(kTable, EVHTTP_REQ_GET, {"tasks", "all"});
  EXPECT_EQ(r.outcome, RouteMatch::kMethodNotAllowed);
  EXPECT_EQ(r.allow, "PUT, DELETE");
  // HEAD needs a GET row.
  EXPECT_EQ(MatchRoute(kTable, EVHTTP_REQ_HEAD, {"tasks", "x"}).outcome,
            RouteMatch::kMethodNotAllowed);
}

}  // namespace
}  // namespace coyotes
