// Schedules: each due time fires exactly once across daemons, at most a
// second late; missed due times (no daemon up) fire once or not at all;
// overlap=skip; --schedule-file loaded, reloaded by HUP, refused with its
// line; the HTTP API's answers.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "blackbox/bb_util.h"
#include "support/http_client.h"

namespace coyotes::testing {
namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The scenario's own passing of time (a schedule is about time): not a
// stand-in for a condition.
void Pass(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

class Schedules : public BlackBox {
 protected:
  HttpResponse Post(Daemon& d, const std::string& path,
                    const std::string& body) {
    return HttpRequest(d.http_port(), "POST", path, body,
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
  }
  HttpResponse Get(Daemon& d, const std::string& path) {
    return HttpRequest(d.http_port(), "GET", path);
  }
  // Due time (unix seconds) -> record fields of the tasks `name` fired.
  std::map<int64_t, std::map<std::string, std::string>> Fired(
      const std::string& name) {
    std::map<int64_t, std::map<std::string, std::string>> out;
    const std::string prefix = "coyotes:task:sched:" + name + ":";
    for (const auto& key : conn_->List({"KEYS", prefix + "*"})) {
      int64_t due = std::stoll(key.substr(prefix.size()));
      auto f = conn_->List({"HGETALL", key});
      for (size_t i = 0; i + 1 < f.size(); i += 2) out[due][f[i]] = f[i + 1];
    }
    return out;
  }
  // How many times `needle` is in the daemon's log.
  static int Count(const std::string& log, const std::string& needle) {
    int n = 0;
    for (size_t at = log.find(needle); at != std::string::npos;
         at = log.find(needle, at + 1))
      n++;
    return n;
  }
};

TEST_F(Schedules, EverySecondOnTwoDaemonsFiresEachDueTimeOnce) {
  auto d1 = StartDaemon();
  auto d2 = StartDaemon();
  HttpResponse r =
      Post(*d1, "/schedules", "name=tick&cron=@every+1s&task=true");
  ASSERT_EQ(r.status, 200) << r.body;
  const int64_t created_s = WallMs() / 1000;
  Pass(10.6);
  auto fired = Fired("tick");
  int in_window = 0, late = 0;
  for (const auto& [due, f] : fired) {
    if (due <= created_s + 10) in_window++;
    // created_at is the server's clock, due the scheduler's: both this
    // host's here.
    if (std::stoll(f.at("created_at")) - due * 1000 > 1000) late++;
    EXPECT_EQ(f.at("schedule"), "tick");
  }
  std::cout << "[ figures  ] " << in_window << " tasks in 10 s, "
            << fired.size() << " in all\n";
  EXPECT_GE(in_window, 9);
  EXPECT_LE(in_window, 11);
  EXPECT_EQ(late, 0) << "fired more than a second after the due time";
  // No due time fired twice: each task id is in one daemon's log once.
  const std::string logs = d1->log() + d2->log();
  for (const auto& [due, f] : fired)
    EXPECT_EQ(Count(logs, "fired sched:tick:" + std::to_string(due) + "\n") +
                  Count(logs, "fired sched:tick:" + std::to_string(due) + " "),
              1)
        << due;
  EXPECT_GT(Count(d1->log(), "schedule tick fired"), 0);
  EXPECT_GT(Count(d2->log(), "schedule tick fired"), 0)
      << "both daemons take their share";
  r = Get(*d2, "/schedules/tick");
  EXPECT_NE(r.body.find("\"fired\":" + std::to_string(fired.size())),
            std::string::npos)
      << r.body;
}

TEST_F(Schedules, MissedDueTimesFireOnceOrNotAtAll) {
  auto d = StartDaemon();
  ASSERT_EQ(
      Post(*d, "/schedules", "name=m-once&cron=@every+1s&task=true").status,
      200);
  ASSERT_EQ(
      Post(*d, "/schedules", "name=m-skip&cron=@every+1s&task=true&missed=skip")
          .status,
      200);
  ASSERT_TRUE(WaitFor(
      [&] { return !Fired("m-once").empty() && !Fired("m-skip").empty(); },
      10));
  auto workers = d->WorkerPids();
  d->Signal(SIGKILL);
  for (pid_t w : workers) kill(w, SIGKILL);
  d->WaitExit(5);
  const int64_t killed_s = WallMs() / 1000;
  const size_t once_before = Fired("m-once").size();
  const size_t skip_before = Fired("m-skip").size();
  Pass(3);
  d = StartDaemon();
  const int64_t back_s = WallMs() / 1000;
  ASSERT_TRUE(WaitFor(
      [&] {
        return Fired("m-once").size() > once_before &&
               Fired("m-skip").size() > skip_before;
      },
      10));
  ASSERT_TRUE(d->WaitLog("(the latest of the due times missed)", 5))
      << d->LogTail();
  ASSERT_TRUE(d->WaitLog("skipped (missed while no daemon ran)", 5));
  // missed=once: one task for the due times of the outage, due at most at
  // the return; missed=skip: none due before the return.
  int once_missed = 0, skip_missed = 0;
  for (const auto& [due, f] : Fired("m-once"))
    if (due > killed_s && due <= back_s) once_missed++;
  for (const auto& [due, f] : Fired("m-skip"))
    if (due > killed_s + 1 && due < back_s) skip_missed++;
  EXPECT_EQ(once_missed, 1);
  EXPECT_EQ(skip_missed, 0);
  HttpResponse r = Get(*d, "/schedules/m-skip");
  EXPECT_EQ(r.body.find("\"skipped\":0"), std::string::npos) << r.body;
}

TEST_F(Schedules, OverlapSkipWaitsForTheLastTask) {
  auto d = StartDaemon({"--concurrent=3"});
  ASSERT_EQ(Post(*d, "/schedules",
                 "name=slow&cron=@every+1s&task=sleep+2.2&overlap=skip")
                .status,
            200);
  Pass(6.5);
  ASSERT_TRUE(d->WaitLog("skipped (the last task still runs)", 5));
  auto fired = Fired("slow");
  ASSERT_GE(fired.size(), 2u);
  EXPECT_LE(fired.size(), 3u);
  // Never two at once: each started after the one before had ended.
  int64_t last_end = 0;
  for (const auto& [due, f] : fired) {
    if (!f.count("started_at")) continue;
    EXPECT_GE(std::stoll(f.at("started_at")), last_end) << due;
    last_end =
        f.count("finished_at") ? std::stoll(f.at("finished_at")) : INT64_MAX;
  }
  HttpResponse r = Get(*d, "/schedules/slow");
  EXPECT_EQ(r.body.find("\"skipped\":0"), std::string::npos) << r.body;
}

TEST_F(Schedules, AScheduleFileIsLoadedAndReloadedByHup) {
  const std::string path = tmp_ / "crontab";
  std::ofstream(path) << "# nightly jobs\n"
                         "@daily echo backup\n"
                         "CHANNEL=reports\n"
                         "TZ=Europe/Berlin\n"
                         "30 2 * * * echo report\n";
  auto d = StartDaemon({"--schedule-file=" + path});
  ASSERT_EQ(
      Post(*d, "/schedules", "name=by-http&cron=@hourly&task=true").status,
      200);
  ASSERT_TRUE(d->WaitLog("--schedule-file: 2 schedules (2 new, 0 removed)", 10))
      << d->LogTail();
  HttpResponse r = Get(*d, "/schedules");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"count\":3"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"channel\":\"reports\""), std::string::npos);
  EXPECT_NE(r.body.find("\"timezone\":\"Europe/Berlin\""), std::string::npos);
  EXPECT_NE(r.body.find("\"source\":\"file\""), std::string::npos);
  const auto before = conn_->List({"HKEYS", "coyotes:schedules"});

  // One line changed, one kept: the kept one keeps its name.
  std::ofstream(path) << "@daily echo backup\n@hourly echo sweep\n";
  d->Signal(SIGHUP);
  ASSERT_TRUE(d->WaitLog("--schedule-file: 2 schedules (1 new, 1 removed)", 10))
      << d->LogTail();
  auto after = conn_->List({"HKEYS", "coyotes:schedules"});
  std::set<std::string> a(after.begin(), after.end()),
      b(before.begin(), before.end());
  EXPECT_EQ(a.size(), 3u);
  EXPECT_TRUE(a.count("by-http"));
  int kept = 0;
  for (const auto& n : a) kept += b.count(n);
  EXPECT_EQ(kept, 2) << "by-http and the unchanged line";

  // A bad file on HUP: logged with its line, the set kept.
  std::ofstream(path) << "@daily echo backup\n61 * * * * echo bad\n";
  d->Signal(SIGHUP);
  ASSERT_TRUE(d->WaitLog("line 2", 10)) << d->LogTail();
  after = conn_->List({"HKEYS", "coyotes:schedules"});
  EXPECT_EQ(std::set<std::string>(after.begin(), after.end()), a);
  d.reset();

  // At start: exit 2, naming the file's line.
  std::string out;
  int code = Daemon::RunToExit(
      {"--redis-host=127.0.0.1:" + std::to_string(redis_->port()),
       "--schedule-file=" + path, "--http-addr=127.0.0.1:0",
       "--pidfile=" + tmp_ / "p.pid"},
      &out);
  ASSERT_TRUE(WIFEXITED(code)) << out;
  EXPECT_EQ(WEXITSTATUS(code), 2) << out;
  EXPECT_NE(out.find("line 2"), std::string::npos) << out;
  EXPECT_NE(out.find("minute"), std::string::npos) << out;
}

TEST_F(Schedules, TheApiChecksListsShowsAndDeletes) {
  auto d = StartDaemon();
  struct Bad {
    std::string body, says;
  } bad[] = {
      {"cron=@daily&task=true", "field 'name'"},
      {"name=a/b&cron=@daily&task=true", "field 'name'"},
      {"name=x&task=true", "field 'cron'"},
      {"name=x&cron=" + UrlEncode("0 24 * * *") + "&task=true", "'hour'"},
      {"name=x&cron=" + UrlEncode("0 24 * * *") + "&task=true", "'24'"},
      {"name=x&cron=@every+0s&task=true", "field 'cron'"},
      {"name=x&cron=@daily&task=true&timezone=Mars/Olympus", "'timezone'"},
      {"name=x&cron=@daily&task=true&overlap=maybe", "'overlap'"},
      {"name=x&cron=@daily&task=true&missed=twice", "'missed'"},
      {"name=x&cron=@daily&task=true&enabled=perhaps", "'enabled'"},
      {"name=x&cron=@daily&task=true&delay=5", "'delay'"},
      {"name=x&cron=@daily", "'task'"},
      {"name=x&cron=@daily&task=true&callback=ftp://h/", "'callback'"},
  };
  for (const auto& b : bad) {
    HttpResponse r = Post(*d, "/schedules", b.body);
    EXPECT_EQ(r.status, 400) << b.body << ": " << r.body;
    EXPECT_NE(r.body.find(b.says), std::string::npos)
        << b.body << ": " << r.body;
  }
  HttpResponse r = Post(*d, "/schedules",
                        "name=zeta&cron=" + UrlEncode("*/5 * * * MON-FRI") +
                            "&task=true&timezone=America/New_York");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"cron\":\"*/5 * * * MON-FRI\""), std::string::npos);
  EXPECT_NE(r.body.find("\"last\":null"), std::string::npos) << r.body;
  ASSERT_EQ(
      Post(*d, "/schedules", "name=alpha&cron=@yearly&command=true").status,
      200);
  ASSERT_EQ(
      Post(*d, "/schedules", "name=off&cron=@hourly&task=true&enabled=false")
          .status,
      200);
  r = Get(*d, "/schedules/zeta");
  ASSERT_EQ(r.status, 200);
  // Five next due times, five minutes apart (weekdays).
  size_t next = r.body.find("\"next\":[");
  ASSERT_NE(next, std::string::npos) << r.body;
  EXPECT_EQ(std::count(r.body.begin() + next,
                       r.body.begin() + r.body.find(']', next), ','),
            4)
      << r.body;
  EXPECT_NE(Get(*d, "/schedules/off").body.find("\"next\":[]"),
            std::string::npos);
  r = Get(*d, "/schedules?limit=2");
  EXPECT_NE(r.body.find("\"count\":3"), std::string::npos) << r.body;
  EXPECT_LT(r.body.find("\"name\":\"alpha\""), r.body.find("\"name\":\"off\""));
  EXPECT_EQ(r.body.find("\"name\":\"zeta\""), std::string::npos)
      << "sorted by name, two on the page";
  EXPECT_EQ(HttpRequest(d->http_port(), "DELETE", "/schedules/zeta").status,
            200);
  EXPECT_EQ(Get(*d, "/schedules/zeta").status, 404);
  EXPECT_EQ(HttpRequest(d->http_port(), "DELETE", "/schedules/zeta").status,
            404);
  EXPECT_EQ(conn_->Int({"ZSCORE", "coyotes:schedule-due", "zeta"}), 0);
}

}  // namespace
}  // namespace coyotes::testing
