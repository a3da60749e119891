// The dashboard (GET /ui/) in a real browser: Debian's headless chromium,
// driven over the DevTools pipe (support/browser.h), loads the page from
// the real daemon, which runs real tasks against a private redis-server.
// The page must show what Redis holds, and its buttons must change it.
// Also the static files' headers, the token form, and the two endpoints
// the page needs (GET /channels/NAME/running, GET /stats/history).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "blackbox/bb_util.h"
#include "support/browser.h"
#include "support/http_client.h"

namespace coyotes::testing {
namespace {

constexpr char kToken[] = "ui-token-0123456789abcdef";

// Where the screenshots go: $TEST_UNDECLARED_OUTPUTS_DIR when a runner sets
// it, else tests/output/ui/ in the build folder (the daemon binary's).
std::string OutputDir() {
  std::string dir;
  if (const char* d = getenv("TEST_UNDECLARED_OUTPUTS_DIR"); d && *d) {
    dir = d;
  } else {
    std::filesystem::path bin(kCoyotesBinary);
    dir = (bin.parent_path().parent_path() / "tests/output/ui").string();
  }
  std::filesystem::create_directories(dir);
  return dir;
}

bool IsPng(const std::string& path) {
  std::string data = ReadAll(path);
  return data.size() > 1000 && data.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
}

class UiTest : public BlackBox {
 protected:
  HttpResponse Get(const std::string& path, const std::string& token = "") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!token.empty()) headers.push_back({"Authorization", "Bearer " + token});
    return HttpRequest(d_->http_port(), "GET", path, "", headers);
  }
  HttpResponse Post(const std::string& path, const std::string& body) {
    return HttpRequest(d_->http_port(), "POST", path, body,
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
  }
  // Starts the browser; a missing chromium fails the test (CI installs it).
  void OpenPage() {
    std::string error;
    browser_ = Browser::Start(&error);
    ASSERT_TRUE(browser_) << error;
    ASSERT_TRUE(browser_->Open(Url(), &error)) << error << browser_->LogTail();
  }
  std::string Url() const {
    return "http://127.0.0.1:" + std::to_string(d_->http_port()) + "/ui/";
  }
  // True once the page's expression `js` is true (polled; the page itself
  // refreshes every 2 s).
  bool PageShows(const std::string& js, double timeout_s = 15) {
    return WaitFor([&] { return browser_->Eval(js) == "true"; }, timeout_s,
                   0.1);
  }
  // Clicks the element `selector` finds; false when there is none.
  bool Click(const std::string& selector) {
    return browser_->Eval("(() => { const e = document.querySelector('" +
                          selector + "'); if (!e) return false; e.click(); " +
                          "return true; })()") == "true";
  }
  std::string Text(const std::string& selector) {
    return browser_->EvalString("(document.querySelector('" + selector +
                                "') || {}).textContent || ''");
  }
  void Screenshot(const std::string& name) {
    std::string path = OutputDir() + "/" + name;
    std::string error;
    ASSERT_TRUE(browser_->Screenshot(path, &error)) << error;
    EXPECT_TRUE(IsPng(path)) << path;
    std::cout << "[ artifact ] screenshot " << path << "\n";
  }

  std::unique_ptr<Daemon> d_;
  std::unique_ptr<Browser> browser_;
};

TEST_F(UiTest, ShowsQueuedRunningAndFailedTasksAndItsButtonsAct) {
  d_ = StartDaemon({"--concurrent=1"});
  ASSERT_TRUE(d_);
  // One worker per channel: run1 runs, q1 and q2 wait behind it.
  for (const char* id : {"run1", "q1", "q2"}) {
    ASSERT_EQ(Post("/channels/default", std::string("task=sleep%2030&id=") + id)
                  .status,
              200);
    if (std::string(id) == "run1") {
      ASSERT_TRUE(WaitState("run1", "running"));
    }
  }
  // fail1 fails with exit 3 until the flag file exists.
  const std::string flag = tmp_ / "flag";
  const std::string failing =
      "test -e " + flag + " || { echo boom-on-stderr >&2; exit 3; }";
  ASSERT_EQ(
      Post("/channels/failing", "id=fail1&task=" + UrlEncode(failing)).status,
      200);
  ASSERT_TRUE(WaitState("fail1", "failed"));

  OpenPage();
  ASSERT_TRUE(PageShows(
      "!!document.querySelector('#channels [data-channel=\"default\"]')"))
      << browser_->LogTail();
  EXPECT_TRUE(
      PageShows("document.querySelector('#channels [data-channel=\"default\"] "
                "[data-field=queued]').textContent === '2' && "
                "document.querySelector('#channels [data-channel=\"default\"] "
                "[data-field=running]').textContent === '1'"))
      << Text("#channels");
  EXPECT_TRUE(
      PageShows("!!document.querySelector('#running "
                "[data-task-id=\"run1\"] [data-field=elapsed]')"))
      << Text("#running");
  EXPECT_TRUE(
      PageShows("document.querySelector('#failed [data-task-id=\"fail1\"] "
                "[data-field=exit]')?.textContent === '3'"))
      << Text("#failed");
  EXPECT_NE(Text("#failed [data-task-id=\"fail1\"] [data-field=stderr]")
                .find("boom-on-stderr"),
            std::string::npos)
      << Text("#failed");
  EXPECT_EQ(Text("#channels [data-channel=\"failing\"] [data-field=failed]"),
            "1");
  Screenshot("dashboard.png");

  // Cancel the running task: the page asks first, then Redis shows it.
  ASSERT_TRUE(Click("#running [data-task-id=\"run1\"] [data-action=cancel]"));
  ASSERT_TRUE(PageShows("!document.getElementById('confirm').hidden"));
  EXPECT_NE(Text("#confirm-text").find("run1"), std::string::npos);
  ASSERT_TRUE(Click("[data-role=confirm-yes]"));
  EXPECT_TRUE(WaitState("run1", "cancelled")) << Field("run1", "state");
  // The next queued task takes the worker, and the page follows.
  EXPECT_TRUE(WaitState("q1", "running"));
  EXPECT_TRUE(PageShows(
      "!document.querySelector('#running [data-task-id=\"run1\"]') && "
      "!!document.querySelector('#running [data-task-id=\"q1\"]')"))
      << Text("#running");

  // Retry the failed task: it leaves the failed set and runs again.
  std::ofstream(flag) << "";
  ASSERT_TRUE(Click("#failed [data-task-id=\"fail1\"] [data-action=retry]"));
  EXPECT_TRUE(WaitState("fail1", "succeeded")) << Field("fail1", "state");
  EXPECT_EQ(conn_->Cmd({"ZSCORE", "coyotes:failed:failing", "fail1"}), "(nil)");
  EXPECT_TRUE(
      PageShows("!document.querySelector('#failed "
                "[data-task-id=\"fail1\"]')"))
      << Text("#failed");
  EXPECT_EQ(browser_->EvalString(
                "document.getElementById('notice').getAttribute('data-kind')"),
            "ok")
      << Text("#notice");
  Screenshot("dashboard-after-actions.png");
  // The daemon's drain would wait for the sleeps.
  for (const char* id : {"q1", "q2"})
    HttpRequest(d_->http_port(), "DELETE", std::string("/tasks/") + id);
}

TEST_F(UiTest, AsksForTheTokenOnceAndThenShowsData) {
  std::string file = tmp_ / "tokens";
  std::ofstream(file) << kToken << "\n";
  ASSERT_EQ(chmod(file.c_str(), 0600), 0);
  d_ = StartDaemon({"--concurrent=1", "--http-token-file=" + file});
  ASSERT_TRUE(d_);

  OpenPage();
  ASSERT_TRUE(PageShows("!document.getElementById('token').hidden"))
      << Text("body");
  EXPECT_EQ(browser_->Eval("sessionStorage.getItem('coyotes.token')"), "null");
  ASSERT_EQ(browser_->Eval("(() => { document.getElementById('token-input')"
                           ".value = '" +
                           std::string(kToken) + "'; return true; })()"),
            "true");
  ASSERT_TRUE(Click("[data-role=token-submit]"));
  EXPECT_TRUE(
      PageShows("document.getElementById('token').hidden && "
                "document.getElementById('daemon').textContent"
                ".includes('pid " +
                std::to_string(d_->pid()) + "')"))
      << Text("body");
  EXPECT_EQ(browser_->EvalString("sessionStorage.getItem('coyotes.token')"),
            kToken);
  // It keeps refreshing with the token: no second question.
  EXPECT_TRUE(
      PageShows("Number(document.body.getAttribute('data-refreshes')) >= 2"));
  EXPECT_EQ(browser_->Eval("document.getElementById('token').hidden"), "true");
  Screenshot("dashboard-token.png");
}

// The files need no token (they hold no data); the API they call does.
TEST_F(UiTest, StaticFilesAreOpenWithStrictHeadersAndTheApiIsNot) {
  std::string file = tmp_ / "tokens";
  std::ofstream(file) << kToken << "\n";
  ASSERT_EQ(chmod(file.c_str(), 0600), 0);
  d_ = StartDaemon({"--concurrent=1", "--http-token-file=" + file});
  ASSERT_TRUE(d_);

  HttpResponse r = Get("/ui");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.headers["location"], "/ui/");
  const struct {
    const char* path;
    const char* type;
    const char* needle;
  } kFiles[] = {
      {"/ui/", "text/html; charset=utf-8", "<script src=\"app.js\""},
      {"/ui/app.js", "text/javascript; charset=utf-8", "textContent"},
      {"/ui/style.css", "text/css; charset=utf-8", "@media"},
      {"/ui/favicon.svg", "image/svg+xml", "<svg"},
  };
  for (const auto& f : kFiles) {
    r = Get(f.path);
    EXPECT_EQ(r.status, 200) << f.path << ": " << r.body;
    EXPECT_EQ(r.headers["content-type"], f.type) << f.path;
    EXPECT_NE(r.body.find(f.needle), std::string::npos) << f.path;
    EXPECT_NE(r.headers["content-security-policy"].find("default-src 'self'"),
              std::string::npos)
        << f.path;
    EXPECT_EQ(r.headers["x-content-type-options"], "nosniff") << f.path;
    EXPECT_EQ(r.headers["x-frame-options"], "DENY") << f.path;
    EXPECT_EQ(r.headers["cache-control"], "no-cache") << f.path;
  }
  EXPECT_EQ(HttpRequest(d_->http_port(), "HEAD", "/ui/").status, 200);
  // Anything else under /ui/ is no file, and gets the token check first.
  EXPECT_EQ(Get("/ui/secret").status, 401);
  EXPECT_EQ(Get("/ui/secret", kToken).status, 404);

  for (const char* path : {"/stats/history", "/channels/default/running"}) {
    EXPECT_EQ(Get(path).status, 401) << path;
    r = Get(path, kToken);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
  }
}

// The endpoints the page needs: the running tasks with their start times,
// and the master's samples of the totals.
TEST_F(UiTest, RunningListsStartTimesAndHistorySamplesTheTotals) {
  d_ = StartDaemon({"--concurrent=1"});
  ASSERT_TRUE(d_);
  HttpResponse r = Get("/channels/default/running");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"tasks\":[],\"count\":0,\"now\":"), std::string::npos)
      << r.body;
  EXPECT_EQ(Get("/channels/bad!/running").status, 400);
  EXPECT_EQ(Get("/channels/default/running?limit=x").status, 400);

  ASSERT_EQ(Post("/channels/default", "id=ok1&task=true").status, 200);
  ASSERT_TRUE(WaitState("ok1", "succeeded"));
  ASSERT_EQ(Post("/channels/default", "id=long1&task=sleep%2030").status, 200);
  ASSERT_TRUE(WaitState("long1", "running"));
  r = Get("/channels/default/running");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string started = Field("long1", "started_at");
  EXPECT_NE(r.body.find("{\"task_id\":\"long1\",\"started_at\":" + started +
                        ",\"task_name\":\"sleep 30\",\"worker\":"),
            std::string::npos)
      << r.body << " started_at " << started;
  EXPECT_NE(r.body.find("\"count\":1,"), std::string::npos) << r.body;
  EXPECT_EQ(Get("/channels/default/running?offset=1").body.find("long1"),
            std::string::npos);

  // Sampled every 2 s: the succeeded total appears within a few samples.
  EXPECT_TRUE(WaitFor(
      [&] {
        HttpResponse h = Get("/stats/history");
        return h.status == 200 &&
               h.body.find("{\"interval_s\":2,\"samples\":[") !=
                   std::string::npos &&
               h.body.find("\"succeeded\":1,\"failed\":0}") !=
                   std::string::npos;
      },
      10, 0.2))
      << Get("/stats/history").body;
  HttpRequest(d_->http_port(), "DELETE", "/tasks/long1");
}

}  // namespace
}  // namespace coyotes::testing
