// Pausing a channel: its workers finish what they run and start nothing
// after the pause's answer; producers still queue; resume runs everything
// once. The flag is stored in the channel's settings and outlives a
// restart.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "blackbox/bb_util.h"
#include "support/http_client.h"

namespace coyotes::testing {
namespace {

int64_t WallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class Pause : public BlackBox {
 protected:
  HttpResponse Post(const std::string& path, const std::string& body = "") {
    return HttpRequest(d_->http_port(), "POST", path, body,
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
  }
  bool Says(const std::string& path, const std::string& json) {
    HttpResponse r = HttpRequest(d_->http_port(), "GET", path);
    return r.body.find(json) != std::string::npos;
  }
  // "ID START_NS" lines that the tasks wrote.
  std::map<std::string, std::vector<int64_t>> Starts(const std::string& file) {
    std::map<std::string, std::vector<int64_t>> out;
    std::istringstream in(ReadAll(file));
    std::string id;
    int64_t ns;
    while (in >> id >> ns) out[id].push_back(ns);
    return out;
  }
  size_t Lines(const std::string& file) {
    size_t n = 0;
    for (const auto& [id, v] : Starts(file)) n += v.size();
    return n;
  }
  std::unique_ptr<Daemon> d_;
};

TEST_F(Pause, NothingStartsAfterTheAnswerAndResumeRunsEachOnce) {
  const std::string log = tmp_ / "starts";
  d_ = StartDaemon({"--concurrent=4"});
  const int n = 1000;
  std::vector<std::string> items;
  for (int i = 0; i < n; i++) {
    std::string id = "p" + std::to_string(i);
    items.push_back("{\"id\":\"" + id + "\",\"task\":\"echo " + id +
                    " $(date +%s%N) >> " + log + "\"}");
  }
  conn_->PipelineLPush("task:prepare:queue", items);
  ASSERT_TRUE(WaitFor([&] { return Lines(log) >= 100; }, 60));
  HttpResponse r = Post("/channels/default/pause");
  const int64_t answered = WallNs();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"paused\":true"), std::string::npos) << r.body;
  EXPECT_TRUE(Says("/channels/default", "\"paused\":true"));
  // What ran finishes; then nothing moves.
  ASSERT_TRUE(WaitFor(
      [&] {
        return conn_->Int({"ZCARD", "coyotes:running:default"}) == 0;
      },
      20));
  const size_t ran = Lines(log);
  EXPECT_FALSE(WaitFor([&] { return Lines(log) > ran; }, 1.5))
      << "a task started while the channel was paused";
  EXPECT_LT(ran, static_cast<size_t>(n));
  EXPECT_EQ(conn_->LLen("coyotes:queue:default") + static_cast<long long>(ran),
            n);
  int late = 0;
  for (const auto& [id, starts] : Starts(log))
    for (int64_t s : starts)
      if (s > answered) late++;
  EXPECT_EQ(late, 0) << "tasks started after the pause was answered";
  std::cout << "[ figures  ] " << ran << " of " << n
            << " tasks had run when the pause was answered\n";

  r = Post("/channels/default/resume");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"paused\":false"), std::string::npos) << r.body;
  ASSERT_TRUE(
      WaitFor([&] { return Lines(log) >= static_cast<size_t>(n); }, 120));
  auto starts = Starts(log);
  EXPECT_EQ(starts.size(), static_cast<size_t>(n));
  for (const auto& [id, v] : starts) EXPECT_EQ(v.size(), 1u) << id;
  EXPECT_TRUE(Says("/channels/default", "\"paused\":false"));
}

TEST_F(Pause, AcceptsTasksAndDelaysWhilePausedAndHoldsAcrossARestart) {
  d_ = StartDaemon({"--concurrent=2"});
  EXPECT_EQ(Post("/channels/nosuch/pause").status, 404);
  ASSERT_EQ(Post("/channels", "name=batch&retry=2").status, 200);
  const std::string settings =
      conn_->Cmd({"HGET", "coyotes:channels", "batch"});
  ASSERT_EQ(Post("/channels/batch/pause").status, 200);
  // Paused twice is still paused; the settings keep their other fields.
  ASSERT_EQ(Post("/channels/batch/pause").status, 200);
  EXPECT_EQ(conn_->Cmd({"HGET", "coyotes:channels", "batch"}),
            settings.substr(0, settings.size() - 1) + ",\"paused\":true}");
  ASSERT_EQ(Post("/channels/batch", "id=now1&task=true").status, 200);
  ASSERT_EQ(Post("/channels/batch", "id=later1&task=true&delay=0.3").status,
            200);
  PushRaw("{\"id\":\"lp1\",\"task\":\"true\",\"chan\":\"batch\"}");
  // The delayed one is promoted into the queue, where all three wait.
  ASSERT_TRUE(
      WaitFor([&] { return conn_->LLen("coyotes:queue:batch") == 3; }, 10));
  d_.reset();  // SIGTERM: a drain
  d_ = StartDaemon({"--concurrent=2"});
  EXPECT_TRUE(Says("/channels/batch", "\"paused\":true"));
  EXPECT_FALSE(WaitFor([&] { return Field("now1", "state") != "queued"; }, 1.5))
      << "ran while paused: " << Field("now1", "state");
  ASSERT_EQ(Post("/channels/batch/resume").status, 200);
  EXPECT_EQ(conn_->Cmd({"HGET", "coyotes:channels", "batch"}), settings);
  for (const char* id : {"now1", "later1", "lp1"})
    EXPECT_TRUE(WaitState(id, "succeeded")) << id;
}

}  // namespace
}  // namespace coyotes::testing
