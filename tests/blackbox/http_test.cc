// The HTTP API over real loopback HTTP (issue: the HTTP API). The seed's
// request byte for byte, the envelope, and the error codes.
#include <gtest/gtest.h>

#include <thread>

#include "blackbox/bb_util.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/redis_server.h"
#include "support/wait.h"

namespace coyotes::testing {
namespace {

class Http : public BlackBox {
 protected:
  void SetUp() override {
    BlackBox::SetUp();
    daemon_ = StartDaemon({"--concurrent=1"});
    port_ = daemon_->http_port();
  }
  HttpResponse Post(const std::string& path, const std::string& body,
                    const std::string& type) {
    return HttpRequest(port_, "POST", path, body, {{"Content-Type", type}});
  }
  // The JSON envelope's fixed parts.
  static void ExpectEnvelope(const HttpResponse& r, int code) {
    EXPECT_EQ(r.status, code) << r.body;
    EXPECT_EQ(r.headers.at("content-type"), "application/json; charset=utf-8");
    EXPECT_EQ(
        r.body.rfind(
            "{\"status_code\":" + std::to_string(code) + ",\"message\":", 0),
        0u)
        << r.body;
  }

  std::unique_ptr<Daemon> daemon_;
  int port_ = 0;
};

TEST_F(Http, SeedRequestByteForByte) {
  std::string cmd = "touch " + (tmp_ / "seed");
  const std::string boundary =
      "--------------------------019175029883341751119913";
  std::string body =
      "--" + boundary +
      "\r\nContent-Disposition: form-data; name=\"task\"\r\n\r\n" + cmd +
      "\r\n--" + boundary + "--\r\n";
  std::string raw =
      "POST /channels/default HTTP/1.1\r\n"
      "Accept: */*\r\n"
      "Host: localhost:60001\r\n"
      "content-type: multipart/form-data; boundary=" +
      boundary + "\r\ncontent-length: " + std::to_string(body.size()) +
      "\r\n\r\n" + body;
  HttpResponse r = HttpRaw(port_, raw);
  ExpectEnvelope(r, 200);
  // The seed's body, plus task_id.
  size_t id_at = r.body.find("\"task_id\":\"");
  ASSERT_NE(id_at, std::string::npos) << r.body;
  std::string id = r.body.substr(id_at + 11, 24);
  EXPECT_EQ(r.body,
            "{\"status_code\":200,\"message\":\"ok\",\"data\":{"
            "\"task_id\":\"" +
                id + "\",\"task_name\":\"" + cmd + "\",\"result\":true}}");
  EXPECT_TRUE(WaitFor([&] { return Exists(tmp_ / "seed"); }, 10));
  EXPECT_TRUE(WaitFor(
      [&] {
        return conn_->Cmd({"HGET", "coyotes:task:" + id, "state"}) ==
               "succeeded";
      },
      10));
}

TEST_F(Http, UrlencodedAndJsonBodies) {
  HttpResponse r = Post("/channels/default/tasks",
                        "task=" + UrlEncode("touch " + (tmp_ / "u")),
                        "application/x-www-form-urlencoded");
  ExpectEnvelope(r, 200);
  r = Post("/channels/other",
           "{\"command\":\"touch\",\"args\":[\"" + (tmp_ / "j") + "\"]}",
           "application/json");
  ExpectEnvelope(r, 200);
  EXPECT_TRUE(WaitFor([&] { return Exists(tmp_ / "u"); }, 10));
  EXPECT_TRUE(WaitFor([&] { return Exists(tmp_ / "j"); }, 10));
}

TEST_F(Http, Status) {
  HttpResponse r = HttpRequest(port_, "GET", "/");
  ExpectEnvelope(r, 200);
  for (const char* k : {"\"version\"", "\"pid\"", "\"uptime_s\"", "\"redis\"",
                        "\"connected\":true", "\"totals\"", "\"workers\""})
    EXPECT_NE(r.body.find(k), std::string::npos) << k << " in " << r.body;
}

TEST_F(Http, StatusNamesTheTaskAWorkerRuns) {
  // The worker publishes its task on the board it shares with the master;
  // GET / reads it there.
  ASSERT_EQ(mkfifo((tmp_ / "gate").c_str(), 0600), 0);
  PushRaw("{\"id\":\"shown\",\"task\":\"cat " + (tmp_ / "gate") + "\"}");
  auto running = [&] {
    std::string b = HttpRequest(port_, "GET", "/").body;
    return b.find("\"state\":\"running\",\"task_id\":\"shown\"") !=
           std::string::npos;
  };
  ASSERT_TRUE(WaitFor(running, 10)) << HttpRequest(port_, "GET", "/").body;
  {
    std::ofstream gate(tmp_ / "gate");  // cat reads EOF and ends
  }
  ASSERT_TRUE(WaitState("shown", "succeeded", 10));
  EXPECT_TRUE(WaitFor(
      [&] {
        std::string b = HttpRequest(port_, "GET", "/").body;
        return b.find("\"state\":\"idle\",\"task_id\":null") !=
               std::string::npos;
      },
      10))
      << HttpRequest(port_, "GET", "/").body;
}

TEST_F(Http, ErrorCodes) {
  ExpectEnvelope(HttpRequest(port_, "GET", "/no/such/thing"), 404);
  HttpResponse r = HttpRequest(port_, "PUT", "/channels/default");
  ExpectEnvelope(r, 405);
  EXPECT_EQ(r.headers.at("allow"), "GET, HEAD, POST, DELETE");
  ExpectEnvelope(
      Post("/channels/default", "task=", "application/x-www-form-urlencoded"),
      400);
  ExpectEnvelope(
      Post("/channels/default", "x=1", "application/x-www-form-urlencoded"),
      400);
  ExpectEnvelope(Post("/channels/default", "task=true", "text/plain"), 415);
  ExpectEnvelope(Post("/channels/default", "{\"task\":", "application/json"),
                 400);
  ExpectEnvelope(Post("/channels/default", "task=%zz",
                      "application/x-www-form-urlencoded"),
                 400);
  ExpectEnvelope(Post("/channels/default", "--b\r\nno end",
                      "multipart/form-data; boundary=b"),
                 400);
  ExpectEnvelope(Post("/channels/bad%20name", "task=true",
                      "application/x-www-form-urlencoded"),
                 400);
  ExpectEnvelope(Post("/channels/" + std::string(65, 'c'), "task=true",
                      "application/x-www-form-urlencoded"),
                 400);
  ExpectEnvelope(Post("/channels/default", "task=" + std::string(2 << 20, 'x'),
                      "application/x-www-form-urlencoded"),
                 413);
}

TEST_F(Http, RedisDownGives503AndRecovers) {
  redis_->Stop();
  EXPECT_TRUE(WaitFor(
      [&] {
        HttpResponse r = HttpRequest(port_, "GET", "/");
        return r.status == 200 &&
               r.body.find("\"connected\":false") != std::string::npos;
      },
      10));
  ExpectEnvelope(Post("/channels/default", "task=true",
                      "application/x-www-form-urlencoded"),
                 503);
  redis_->Restart();
  EXPECT_TRUE(WaitFor(
      [&] {
        return Post("/channels/default",
                    "task=touch%20" + UrlEncode(tmp_ / "back"),
                    "application/x-www-form-urlencoded")
                   .status == 200;
      },
      20))
      << daemon_->LogTail();
  EXPECT_TRUE(WaitFor([&] { return Exists(tmp_ / "back"); }, 20))
      << daemon_->LogTail();
}

TEST_F(Http, TaskRecordAndCancelQueued) {
  // One worker, busy: the second task stays queued.
  ExpectEnvelope(Post("/channels/default", "id=busy&task=sleep%2030",
                      "application/x-www-form-urlencoded"),
                 200);
  ExpectEnvelope(Post("/channels/default", "id=waiting&task=true",
                      "application/x-www-form-urlencoded"),
                 200);
  ASSERT_TRUE(WaitFor(
      [&] {
        return HttpRequest(port_, "GET", "/tasks/busy")
                   .body.find("\"state\":\"running\"") != std::string::npos;
      },
      10));
  HttpResponse r = HttpRequest(port_, "GET", "/tasks/waiting");
  ExpectEnvelope(r, 200);
  for (const char* k :
       {"\"task_id\":\"waiting\"", "\"task_name\":\"true\"",
        "\"command\":\"true\"", "\"args\":null", "\"channel\":\"default\"",
        "\"state\":\"queued\"", "\"attempts\":0",
        "\"created_at\":", "\"started_at\":null", "\"finished_at\":null",
        "\"due_at\":null", "\"worker\":null", "\"exit_code\":null",
        "\"signal\":null", "\"reason\":null", "\"stdout\":", "\"stderr\":"})
    EXPECT_NE(r.body.find(k), std::string::npos) << k << " in " << r.body;
  ExpectEnvelope(HttpRequest(port_, "DELETE", "/tasks/waiting"), 200);
  r = HttpRequest(port_, "GET", "/tasks/waiting");
  EXPECT_NE(r.body.find("\"state\":\"cancelled\""), std::string::npos)
      << r.body;
  EXPECT_EQ(conn_->LLen("coyotes:queue:default"), 0);
  ExpectEnvelope(HttpRequest(port_, "DELETE", "/tasks/waiting"), 409);
  ExpectEnvelope(HttpRequest(port_, "GET", "/tasks/nope"), 404);
  ExpectEnvelope(HttpRequest(port_, "DELETE", "/tasks/nope"), 404);
  ExpectEnvelope(HttpRequest(port_, "DELETE", "/tasks/busy"), 202);
}

TEST_F(Http, CancelRunningEndsItsProcessGroup) {
  ExpectEnvelope(Post("/channels/default",
                      "id=victim&task=sleep%20100.75%20%26%20sleep%20100.75",
                      "application/x-www-form-urlencoded"),
                 200);
  ASSERT_TRUE(
      WaitFor([&] { return PidsWithCmdline("sleep 100.75").size() >= 2; }, 10));
  ExpectEnvelope(HttpRequest(port_, "DELETE", "/tasks/victim"), 202);
  EXPECT_TRUE(WaitFor(
      [&] {
        return HttpRequest(port_, "GET", "/tasks/victim")
                   .body.find("\"state\":\"cancelled\"") != std::string::npos;
      },
      10))
      << daemon_->LogTail();
  EXPECT_TRUE(PidsWithCmdline("sleep 100.75").empty());
}

TEST_F(Http, ChannelsCreateListDelete) {
  ExpectEnvelope(Post("/channels", "name=reports&worker=2&distinct=true",
                      "application/x-www-form-urlencoded"),
                 200);
  ExpectEnvelope(
      Post("/channels", "name=reports", "application/x-www-form-urlencoded"),
      409);
  ExpectEnvelope(
      Post("/channels", "name=bad%20name", "application/x-www-form-urlencoded"),
      400);
  ExpectEnvelope(
      Post("/channels", "name=x&worker=0", "application/x-www-form-urlencoded"),
      400);
  // Its workers start.
  EXPECT_TRUE(WaitFor(
      [&] {
        std::string b = HttpRequest(port_, "GET", "/").body;
        return b.find("\"channel\":\"reports\",\"index\":1") !=
               std::string::npos;
      },
      10));
  HttpResponse r = HttpRequest(port_, "GET", "/channels");
  ExpectEnvelope(r, 200);
  EXPECT_NE(r.body.find("\"reports\":{\"tasks\":[],\"count\":0,\"workers\":2,"
                        "\"distinct\":true,\"paused\":false}"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"default\":{"), std::string::npos);
  // Distinct: the same command twice is queued once.
  ExpectEnvelope(Post("/channels/reports", "task=sleep%205",
                      "application/x-www-form-urlencoded"),
                 200);
  r = Post("/channels/reports", "task=sleep%205",
           "application/x-www-form-urlencoded");
  EXPECT_NE(r.body.find("\"result\":false"), std::string::npos) << r.body;
  ExpectEnvelope(HttpRequest(port_, "GET", "/channels/nosuch"), 404);
  ExpectEnvelope(HttpRequest(port_, "DELETE", "/channels/reports?purge=true"),
                 200);
  ExpectEnvelope(HttpRequest(port_, "GET", "/channels/reports"), 404);
  EXPECT_TRUE(WaitFor(
      [&] {
        return HttpRequest(port_, "GET", "/")
                   .body.find("\"channel\":\"reports\"") == std::string::npos;
      },
      15))
      << HttpRequest(port_, "GET", "/").body;
  ExpectEnvelope(HttpRequest(port_, "DELETE", "/channels/reports"), 404);
}

TEST_F(Http, DeadLetters) {
  conn_->Cmd({"LPUSH", "task:prepare:queue", "not json", "{\"task\":1}"});
  ASSERT_TRUE(
      WaitFor([&] { return conn_->LLen("coyotes:dead-letters") == 2; }, 10));
  HttpResponse r = HttpRequest(port_, "GET", "/dead-letters?limit=1");
  ExpectEnvelope(r, 200);
  EXPECT_NE(r.body.find("\"count\":2"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"payload\":\"{\\\"task\\\":1}\""), std::string::npos)
      << r.body;
  EXPECT_EQ(r.body.find("not json\""), std::string::npos) << r.body;
  ExpectEnvelope(HttpRequest(port_, "GET", "/dead-letters?limit=x"), 400);
  ExpectEnvelope(HttpRequest(port_, "DELETE", "/dead-letters"), 200);
  EXPECT_EQ(conn_->LLen("coyotes:dead-letters"), 0);
}

TEST_F(Http, PaginationOverAHundredThousandTasks) {
  // A daemon that only routes, so that the queue stays as pushed.
  auto router = Daemon::Start(*redis_, {.flags = {"--task-mode=false"}});
  ASSERT_TRUE(router->WaitReady()) << router->LogTail();
  daemon_.reset();  // nobody runs tasks now
  const int n = 100000;
  std::vector<std::string> items;
  for (int i = 0; i < n; i++)
    items.push_back("{\"id\":\"p" + std::to_string(i) +
                    "\",\"task\":\"true\",\"chan\":\"big\"}");
  conn_->PipelineLPush("task:prepare:queue", items);
  ASSERT_TRUE(
      WaitFor([&] { return conn_->LLen("coyotes:queue:big") == n; }, 120, 0.1));
  int port = router->http_port();
  double t0 = NowSeconds();
  HttpResponse r =
      HttpRequest(port, "GET", "/channels/big?offset=99990&limit=5");
  double took = NowSeconds() - t0;
  ExpectEnvelope(r, 200);
  EXPECT_NE(r.body.find("\"count\":100000"), std::string::npos);
  // The 99,991st to run is the 99,991st pushed.
  EXPECT_NE(r.body.find("{\"task_id\":\"p99990\""), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"p99994\""), std::string::npos);
  EXPECT_EQ(r.body.find("\"p99995\""), std::string::npos);
  EXPECT_LT(took, 1.0);
  r = HttpRequest(port, "GET", "/channels");
  EXPECT_NE(r.body.find("\"count\":100000"), std::string::npos);
  EXPECT_NE(r.body.find("\"p0\""), std::string::npos);
}

TEST_F(Http, TwoHundredConcurrentPosts) {
  daemon_.reset();
  auto d = Daemon::Start(*redis_, {.flags = {"--task-mode=false"}});
  ASSERT_TRUE(d->WaitReady()) << d->LogTail();
  const int n = 200;
  std::vector<std::thread> threads;
  std::vector<int> codes(n);
  for (int i = 0; i < n; i++)
    threads.emplace_back([&, i] {
      codes[i] =
          HttpRequest(d->http_port(), "POST", "/channels/default",
                      "id=c" + std::to_string(i) + "&task=true",
                      {{"Content-Type", "application/x-www-form-urlencoded"}},
                      30)
              .status;
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < n; i++) EXPECT_EQ(codes[i], 200) << i;
  EXPECT_EQ(conn_->LLen("coyotes:queue:default"), n);
}

}  // namespace
}  // namespace coyotes::testing
