// ?wait=SECONDS on GET /tasks/ID and POST /channels/NAME: the answer comes
// when the task ends (woken by its event), or when SECONDS have passed.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <iostream>
#include <string>
#include <vector>

#include "blackbox/bb_util.h"
#include "support/http_client.h"

namespace coyotes::testing {
namespace {

const std::vector<std::pair<std::string, std::string>> kForm = {
    {"Content-Type", "application/x-www-form-urlencoded"}};

class TaskWait : public BlackBox {
 protected:
  void SetUp() override {
    BlackBox::SetUp();
    d_ = StartDaemon({"--concurrent=5"});
  }
  HttpResponse Get(const std::string& path, double timeout_s = 20) {
    return HttpRequest(d_->http_port(), "GET", path, "", {}, timeout_s);
  }
  HttpResponse Post(const std::string& path, const std::string& body) {
    return HttpRequest(d_->http_port(), "POST", path, body, kForm, 20);
  }
  static bool Says(const HttpResponse& r, const std::string& json) {
    return r.body.find(json) != std::string::npos;
  }
  std::unique_ptr<Daemon> d_;
};

TEST_F(TaskWait, AnswersWhenTheTaskEnds) {
  ASSERT_EQ(Post("/channels/default", "id=w1&task=sleep+0.3").status, 200);
  const double t0 = NowSeconds();
  HttpResponse r = Get("/tasks/w1?wait=10");
  const double took = NowSeconds() - t0;
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Says(r, "\"state\":\"succeeded\"")) << r.body;
  EXPECT_LT(took, 5) << "woken by the event, not by the deadline";
  // From the task's recorded end to the answer.
  const long long finished = std::stoll(Field("w1", "finished_at"));
  const long long now_ms = static_cast<long long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::cout << "[ figures  ] ?wait= answered about " << now_ms - finished
            << " ms after the task's end\n";
}

TEST_F(TaskWait, AnswersAfterSecondsWhileTheTaskRuns) {
  ASSERT_EQ(Post("/channels/default", "id=w2&task=sleep+2").status, 200);
  ASSERT_TRUE(WaitState("w2", "running"));
  const double t0 = NowSeconds();
  HttpResponse r = Get("/tasks/w2?wait=0.5");
  const double took = NowSeconds() - t0;
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Says(r, "\"state\":\"running\"")) << r.body;
  // The loop's timers count from its cached clock: a few ms of slack.
  EXPECT_GE(took, 0.45);
}

TEST_F(TaskWait, AFinishedTaskAnswersAtOnceAndAMissingOne404) {
  ASSERT_EQ(Post("/channels/default", "id=w3&task=true").status, 200);
  ASSERT_TRUE(WaitState("w3", "succeeded"));
  const double t0 = NowSeconds();
  HttpResponse r = Get("/tasks/w3?wait=30");
  EXPECT_EQ(r.status, 200);
  EXPECT_LT(NowSeconds() - t0, 5);
  EXPECT_EQ(Get("/tasks/nosuch?wait=30").status, 404);
}

TEST_F(TaskWait, PostWithWaitAnswersWithTheRecord) {
  HttpResponse r = Post("/channels/default?wait=10", "id=w4&task=exit+3");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Says(r, "\"state\":\"failed\"")) << r.body;
  EXPECT_TRUE(Says(r, "\"exit_code\":3")) << r.body;
  EXPECT_TRUE(Says(r, "\"task_id\":\"w4\"")) << r.body;
  EXPECT_TRUE(Says(r, "\"result\":true")) << r.body;
  r = Post("/channels/default/tasks?wait=10", "id=w5&task=true");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Says(r, "\"state\":\"succeeded\"")) << r.body;
}

TEST_F(TaskWait, BadWaitIs400AndQueuesNothing) {
  for (const char* bad : {"0", "-1", "300.5", "abc", "", "1e999", "nan"}) {
    EXPECT_EQ(Get(std::string("/tasks/x?wait=") + bad).status, 400) << bad;
    HttpResponse r =
        Post(std::string("/channels/default?wait=") + bad, "id=bad&task=true");
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
  }
  EXPECT_EQ(Field("bad", "state"), "(nil)");
  EXPECT_EQ(Get("/tasks/x?wait=300").status, 404);  // the upper bound is in
}

TEST_F(TaskWait, TwoHundredWaitersAllAnswer) {
  for (int t = 0; t < 20; t++)
    ASSERT_EQ(Post("/channels/default",
                   "id=m" + std::to_string(t) + "&task=sleep+0.5")
                  .status,
              200);
  std::vector<std::future<HttpResponse>> answers;
  // Each of these is waiting while the tasks run, not answered at once.
  for (int i = 0; i < 200; i++)
    answers.push_back(std::async(std::launch::async, [this, i] {
      return Get("/tasks/m" + std::to_string(i % 20) + "?wait=60", 90);
    }));
  int ok = 0;
  for (auto& a : answers) {
    HttpResponse r = a.get();
    if (r.status == 200 && Says(r, "\"state\":\"succeeded\"")) ok++;
  }
  EXPECT_EQ(ok, 200);
}

TEST_F(TaskWait, AClientThatLeavesEndsItsWait) {
  ASSERT_EQ(Post("/channels/default", "id=w6&task=sleep+30").status, 200);
  std::vector<int> clients;
  for (int i = 0; i < 20; i++) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(d_->http_port()));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    std::string req = "GET /tasks/w6?wait=60 HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(write(s, req.data(), req.size()),
              static_cast<ssize_t>(req.size()));
    clients.push_back(s);
  }
  // GET / counts the requests waiting.
  EXPECT_TRUE(WaitFor([&] { return Says(Get("/"), "\"waiting\":20"); }, 5))
      << Get("/").body;
  for (int s : clients) close(s);
  // Each wait ends with its client, long before its task or its deadline.
  EXPECT_TRUE(WaitFor([&] { return Says(Get("/"), "\"waiting\":0"); }, 5))
      << Get("/").body;
  EXPECT_EQ(HttpRequest(d_->http_port(), "DELETE", "/tasks/w6").status, 202);
  HttpResponse r = Get("/tasks/w6?wait=10");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Says(r, "\"state\":\"cancelled\"")) << r.body;
  EXPECT_TRUE(d_->running());
}

TEST_F(TaskWait, AWaitSpansARedisRestart) {
  ASSERT_EQ(Post("/channels/default", "id=w7&task=sleep+1.5").status, 200);
  ASSERT_TRUE(WaitState("w7", "running"));
  auto answer = std::async(std::launch::async,
                           [this] { return Get("/tasks/w7?wait=60", 90); });
  conn_.reset();
  redis_->Restart();
  conn_ = redis_->Connect();
  HttpResponse r = answer.get();
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Says(r, "\"state\":\"succeeded\"")) << r.body << d_->LogTail();
}

}  // namespace
}  // namespace coyotes::testing
