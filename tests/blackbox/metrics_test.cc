// GET /metrics: the families and their values after known work, the
// format as promtool reads it, and the contrib alert rules and dashboard.
#include <gtest/gtest.h>
#include <jansson.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "blackbox/bb_util.h"
#include "support/http_client.h"

namespace coyotes::testing {
namespace {

// Runs `command` with `input` on its standard input; its exit status and
// output (stdout and stderr).
int RunTool(const std::string& command, const std::string& input,
            std::string* output) {
  TempDir dir;
  const std::string in = dir / "in", out = dir / "out";
  std::ofstream(in) << input;
  int st = system((command + " <" + in + " >" + out + " 2>&1").c_str());
  *output = ReadAll(out);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

bool HavePromtool() { return system("command -v promtool >/dev/null") == 0; }

class Metrics : public BlackBox {
 protected:
  HttpResponse Post(const std::string& body) {
    return HttpRequest(d_->http_port(), "POST", "/channels/default", body,
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
  }
  std::string Scrape() {
    HttpResponse r = HttpRequest(d_->http_port(), "GET", "/metrics");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-type"],
              "text/plain; version=0.0.4; charset=utf-8");
    return r.body;
  }
  static bool Has(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
  }
  std::unique_ptr<Daemon> d_;
};

TEST_F(Metrics, CountsTheWorkAndPassesPromtool) {
  ASSERT_TRUE(HavePromtool())
      << "promtool is missing: contrib/install-deps.sh installs it";
  d_ = StartDaemon(
      {"--concurrent=3", "--retry-min-delay=0.1", "--retry-max-delay=0.1"});
  ASSERT_EQ(Post("id=ok1&task=true").status, 200);
  ASSERT_EQ(Post("id=bad1&task=exit+3").status, 200);
  ASSERT_EQ(Post("id=re1&task=exit+4&retry=1").status, 200);
  ASSERT_EQ(Post("id=to1&task=sleep+5&timeout=0.3").status, 200);
  ASSERT_EQ(Post("id=c1&task=sleep+30").status, 200);
  ASSERT_TRUE(WaitState("c1", "running"));
  EXPECT_EQ(HttpRequest(d_->http_port(), "DELETE", "/tasks/c1").status, 202);
  for (const char* id : {"ok1", "bad1", "re1", "to1", "c1"})
    ASSERT_TRUE(WaitFor(
        [&] {
          std::string s = Field(id, "state");
          return s == "succeeded" || s == "failed" || s == "cancelled";
        },
        15))
        << id;
  // A worker killed: restarted and counted.
  auto workers = d_->WorkerPids();
  ASSERT_FALSE(workers.empty());
  kill(workers[0], SIGKILL);
  std::string m;
  ASSERT_TRUE(WaitFor(
      [&] {
        m = Scrape();
        return Has(m, "coyotes_worker_restarts_total 1") &&
               Has(m, "coyotes_workers{channel=\"default\",state=\"idle\"} 3");
      },
      15))
      << m;
  const std::string c = "coyotes_tasks_total{channel=\"default\",outcome=";
  EXPECT_TRUE(Has(m, c + "\"succeeded\"} 1")) << m;
  EXPECT_TRUE(Has(m, c + "\"failed\"} 2")) << m;
  EXPECT_TRUE(Has(m, c + "\"retried\"} 1")) << m;
  EXPECT_TRUE(Has(m, c + "\"timed_out\"} 1")) << m;
  EXPECT_TRUE(Has(m, c + "\"cancelled\"} 1")) << m;
  EXPECT_TRUE(
      Has(m, "coyotes_task_duration_seconds_count{channel=\"default\"} 6"));
  EXPECT_TRUE(Has(m, "coyotes_task_wait_seconds_count{channel=\"default\"} 6"));
  // The timed-out run lasted more than 0.25 s, the others less (but the
  // cancelled one, stopped once running).
  EXPECT_TRUE(Has(m,
                  "coyotes_task_duration_seconds_bucket{channel=\"default\","
                  "le=\"+Inf\"} 6"));
  EXPECT_TRUE(Has(m, "coyotes_queue_length{channel=\"default\"} 0"));
  EXPECT_TRUE(Has(m, "coyotes_running_tasks{channel=\"default\"} 0"));
  EXPECT_TRUE(Has(m, "coyotes_failed_tasks{channel=\"default\"} 3"));
  EXPECT_TRUE(Has(m, "coyotes_paused{channel=\"default\"} 0"));
  EXPECT_TRUE(Has(m, "coyotes_delayed_tasks 0"));
  EXPECT_TRUE(Has(m, "coyotes_dead_letters 0"));
  EXPECT_TRUE(Has(m, "coyotes_schedules 0"));
  EXPECT_TRUE(Has(m, "coyotes_redis_up 1"));
  EXPECT_TRUE(Has(m, "coyotes_callbacks_total{result=\"delivered\"} 0"));
  EXPECT_NE(m.find("\ncoyotes_build_info{version=\""), std::string::npos);
  EXPECT_NE(m.find("\ncoyotes_http_requests_total{code=\"200\"} "),
            std::string::npos);
  for (const char* f :
       {"process_start_time_seconds ", "process_resident_memory_bytes ",
        "process_cpu_seconds_total ", "process_open_fds "})
    EXPECT_NE(m.find(std::string("\n") + f), std::string::npos) << f;

  std::string out;
  EXPECT_EQ(RunTool("promtool check metrics", m, &out), 0) << out << "\n" << m;

  // Redis away: the daemon still answers, and says so.
  redis_->Stop();
  ASSERT_TRUE(WaitFor([&] { return Has(Scrape(), "coyotes_redis_up 0"); }, 10));
  m = Scrape();
  EXPECT_EQ(m.find("coyotes_queue_length"), std::string::npos);
  EXPECT_EQ(RunTool("promtool check metrics", m, &out), 0) << out;
}

TEST(MetricsContrib, AlertRulesAndDashboardRead) {
  ASSERT_TRUE(HavePromtool())
      << "promtool is missing: contrib/install-deps.sh installs it";
  std::string out;
  EXPECT_EQ(RunTool("promtool check rules " COYOTES_SRCDIR
                    "/contrib/prometheus/coyotes-alerts.yml",
                    "", &out),
            0)
      << out;
  json_error_t err;
  json_t* d = json_load_file(
      COYOTES_SRCDIR "/contrib/grafana/coyotes-dashboard.json", 0, &err);
  ASSERT_NE(d, nullptr) << err.text;
  EXPECT_GE(json_array_size(json_object_get(d, "panels")), 8u);
  json_decref(d);
}

}  // namespace
}  // namespace coyotes::testing
