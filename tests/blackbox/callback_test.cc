// Completion callbacks: the record POSTed to a receiver on loopback when a
// task ends, signed, retried while the receiver is down or answers badly,
// delivered by the next daemon when one dies, and given up after
// --callback-max-age.
#include <gtest/gtest.h>
#include <jansson.h>
#include <sys/stat.h>

#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "base/sha256.h"
#include "blackbox/bb_util.h"
#include "support/http_client.h"
#include "support/http_receiver.h"

namespace coyotes::testing {
namespace {

const std::vector<std::pair<std::string, std::string>> kForm = {
    {"Content-Type", "application/x-www-form-urlencoded"}};

// A string member of a JSON object text; "(none)" when absent or not one.
std::string JsonField(const std::string& text, const char* key) {
  json_error_t err;
  json_t* o = json_loads(text.c_str(), 0, &err);
  std::string out = "(none)";
  if (o && json_is_string(json_object_get(o, key)))
    out = json_string_value(json_object_get(o, key));
  else if (o && json_is_integer(json_object_get(o, key)))
    out = std::to_string(json_integer_value(json_object_get(o, key)));
  json_decref(o);
  return out;
}

class Callback : public BlackBox {
 protected:
  // A port that nobody listens on now, and that a receiver can take later.
  static int FreePort() {
    auto r = HttpReceiver::Start();
    return r ? r->port() : 0;
  }
  static std::string Url(int port, const std::string& path = "/hook") {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
  HttpResponse Post(const std::string& body,
                    const std::string& chan = "default") {
    return HttpRequest(d_->http_port(), "POST", "/channels/" + chan, body,
                       kForm);
  }
  std::string Submit(const std::string& id, const std::string& task,
                     const std::string& url) {
    HttpResponse r = Post("id=" + id + "&task=" + UrlEncode(task) +
                          "&callback=" + UrlEncode(url));
    EXPECT_EQ(r.status, 200) << r.body;
    return id;
  }
  bool WaitCallback(const std::string& id, const std::string& state,
                    double timeout_s = 15) {
    return WaitFor([&] { return Field(id, "callback_state") == state; },
                   timeout_s);
  }
  long long Attempts(const std::string& id) {
    std::string a = Field(id, "callback_attempts");
    return a == "(nil)" ? -1 : std::stoll(a);
  }
  std::unique_ptr<Daemon> d_;
};

TEST_F(Callback, PostsTheSignedRecordWhenATaskEnds) {
  const std::string secret_path = tmp_ / "callback.secret";
  std::ofstream(secret_path) << "s3cret key\n";
  chmod(secret_path.c_str(), 0600);
  auto rx = HttpReceiver::Start();
  ASSERT_TRUE(rx);
  d_ = StartDaemon({"--callback-secret-file=" + secret_path});
  Submit("ok1", "echo hi", Url(rx->port(), "/hook?from=coyotes"));
  // A producer's LPUSH may name one too; this task fails.
  PushRaw("{\"id\":\"bad1\",\"task\":\"exit 3\",\"callback\":\"" +
          Url(rx->port()) + "\"}");
  ASSERT_TRUE(WaitCallback("ok1", "delivered")) << d_->LogTail();
  ASSERT_TRUE(WaitCallback("bad1", "delivered")) << d_->LogTail();
  EXPECT_EQ(Attempts("ok1"), 1);
  EXPECT_EQ(Field("ok1", "callback_error"), "(nil)");

  auto reqs = rx->requests();
  ASSERT_EQ(reqs.size(), 2u);
  for (const auto& q : reqs) {
    const std::string id = JsonField(q.body, "task_id");
    SCOPED_TRACE(id);
    EXPECT_EQ(q.method, "POST");
    EXPECT_EQ(q.target, id == "ok1" ? "/hook?from=coyotes" : "/hook");
    EXPECT_EQ(q.headers.at("content-type"), "application/json");
    EXPECT_EQ(q.headers.at("user-agent").rfind("coyotes/", 0), 0u);
    EXPECT_EQ(q.headers.at("x-coyotes-task-id"), id);
    EXPECT_EQ(q.headers.at("x-coyotes-delivery"),
              Field(id, "callback_delivery"));
    // What the receiver would check: the HMAC of the body as received.
    EXPECT_EQ(q.headers.at("x-coyotes-signature"),
              "sha256=" + HmacSha256Hex("s3cret key", q.body));
    EXPECT_EQ(JsonField(q.body, "callback_state"), "pending");
    if (id == "ok1") {
      EXPECT_EQ(JsonField(q.body, "state"), "succeeded");
      EXPECT_EQ(JsonField(q.body, "stdout"), "hi\n");
      EXPECT_EQ(JsonField(q.body, "exit_code"), "0");
    } else {
      EXPECT_EQ(JsonField(q.body, "state"), "failed");
      EXPECT_EQ(JsonField(q.body, "exit_code"), "3");
    }
  }
  // The record says how the delivery went.
  HttpResponse r = HttpRequest(d_->http_port(), "GET", "/tasks/ok1");
  EXPECT_NE(r.body.find("\"callback_state\":\"delivered\""), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"callback_attempts\":1"), std::string::npos);
  EXPECT_EQ(conn_->Int({"ZCARD", "coyotes:callbacks"}), 0);
  EXPECT_EQ(conn_->Int({"HGET", "coyotes:stats", "callbacks_delivered"}), 2);
}

TEST_F(Callback, ACancelledTaskIsReportedToo) {
  auto rx = HttpReceiver::Start();
  ASSERT_TRUE(rx);
  d_ = StartDaemon();
  ASSERT_EQ(
      Post("id=c1&task=true&delay=60&callback=" + UrlEncode(Url(rx->port())))
          .status,
      200);
  EXPECT_EQ(HttpRequest(d_->http_port(), "DELETE", "/tasks/c1").status, 200);
  ASSERT_TRUE(WaitCallback("c1", "delivered")) << d_->LogTail();
  ASSERT_EQ(rx->count(), 1u);
  EXPECT_EQ(JsonField(rx->requests()[0].body, "state"), "cancelled");
  // No secret file: no signature.
  EXPECT_EQ(rx->requests()[0].headers.count("x-coyotes-signature"), 0u);
}

TEST_F(Callback, AReceiverDownFor3SecondsGetsItOnceUp) {
  const int port = FreePort();
  ASSERT_NE(port, 0);
  d_ = StartDaemon({"--retry-min-delay=0.2", "--retry-max-delay=0.5"});
  Submit("down1", "true", Url(port));
  ASSERT_TRUE(WaitState("down1", "succeeded"));
  const double ended = NowSeconds();
  ASSERT_TRUE(WaitFor([&] { return Attempts("down1") >= 2; }, 10));
  EXPECT_EQ(Field("down1", "callback_state"), "pending");
  EXPECT_NE(Field("down1", "callback_error").find("connection failed"),
            std::string::npos)
      << Field("down1", "callback_error");
  // The outage the scenario asks for: this wait is the test's subject.
  std::this_thread::sleep_for(
      std::chrono::duration<double>(std::max(0.0, 3 - (NowSeconds() - ended))));
  auto rx = HttpReceiver::Start(port);
  ASSERT_TRUE(rx);
  ASSERT_TRUE(WaitCallback("down1", "delivered", 10)) << d_->LogTail();
  EXPECT_EQ(rx->count(), 1u);
  EXPECT_GE(Attempts("down1"), 3);
  EXPECT_EQ(Field("down1", "callback_error"), "(nil)");
}

TEST_F(Callback, ANon2xxAnswerIsRetriedWithTheSameDeliveryId) {
  auto rx = HttpReceiver::Start();
  ASSERT_TRUE(rx);
  rx->set_status(500);
  d_ = StartDaemon({"--retry-min-delay=0.2", "--retry-max-delay=0.4"});
  Submit("e500", "true", Url(rx->port()));
  ASSERT_TRUE(WaitFor([&] { return rx->count() >= 2; }, 10));
  EXPECT_EQ(Field("e500", "callback_error").rfind("HTTP 500", 0), 0u)
      << Field("e500", "callback_error");
  rx->set_status(204);
  ASSERT_TRUE(WaitCallback("e500", "delivered")) << d_->LogTail();
  std::set<std::string> ids;
  for (const auto& q : rx->requests())
    ids.insert(q.headers.at("x-coyotes-delivery"));
  EXPECT_EQ(ids.size(), 1u) << "one delivery, tried several times";
  EXPECT_EQ(Attempts("e500"), static_cast<long long>(rx->count()));
}

TEST_F(Callback, TheNextDaemonDeliversWhatAKilledOneLeft) {
  const int port = FreePort();
  ASSERT_NE(port, 0);
  d_ = StartDaemon({"--retry-min-delay=0.3", "--retry-max-delay=0.3"});
  Submit("k1", "true", Url(port));
  ASSERT_TRUE(WaitFor([&] { return Attempts("k1") >= 1; }, 10));
  auto workers = d_->WorkerPids();
  d_->Signal(SIGKILL);
  for (pid_t w : workers) kill(w, SIGKILL);
  d_->WaitExit(5);
  ASSERT_EQ(Field("k1", "callback_state"), "pending");
  auto rx = HttpReceiver::Start(port);
  ASSERT_TRUE(rx);
  d_ = StartDaemon();
  ASSERT_TRUE(WaitCallback("k1", "delivered")) << d_->LogTail();
  EXPECT_EQ(rx->count(), 1u);
}

TEST_F(Callback, ADeliveryInFlightInAKilledDaemonIsSentAgainAfterItsLease) {
  auto rx = HttpReceiver::Start();
  ASSERT_TRUE(rx);
  rx->set_hold(true);
  d_ = StartDaemon({"--callback-timeout=1"});
  Submit("k2", "true", Url(rx->port()));
  ASSERT_TRUE(WaitFor([&] { return rx->count() == 1; }, 10));
  auto workers = d_->WorkerPids();
  d_->Signal(SIGKILL);
  for (pid_t w : workers) kill(w, SIGKILL);
  d_->WaitExit(5);
  rx->set_hold(false);
  const double t0 = NowSeconds();
  d_ = StartDaemon();
  // The lease is --callback-timeout + 10 s.
  ASSERT_TRUE(WaitCallback("k2", "delivered", 30)) << d_->LogTail();
  std::cout << "[ figures  ] redelivered " << NowSeconds() - t0
            << " s after the next daemon started\n";
  auto reqs = rx->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].headers.at("x-coyotes-delivery"),
            reqs[1].headers.at("x-coyotes-delivery"));
}

TEST_F(Callback, IsGivenUpAfterMaxAge) {
  const int port = FreePort();
  ASSERT_NE(port, 0);
  d_ = StartDaemon({"--callback-max-age=2", "--retry-min-delay=0.3",
                    "--retry-max-delay=0.6"});
  Submit("old1", "true", Url(port));
  ASSERT_TRUE(WaitCallback("old1", "failed", 15)) << d_->LogTail();
  EXPECT_GE(Attempts("old1"), 2);
  EXPECT_NE(Field("old1", "callback_error"), "(nil)");
  const long long finished = std::stoll(Field("old1", "finished_at"));
  auto t = conn_->List({"TIME"});
  EXPECT_GE(std::stoll(t[0]) * 1000 + std::stoll(t[1]) / 1000, finished + 2000);
  EXPECT_EQ(conn_->Int({"ZCARD", "coyotes:callbacks"}), 0);
  EXPECT_TRUE(d_->WaitLog("given up", 5));
}

TEST_F(Callback, AtMostConcurrencyAreInFlight) {
  auto rx = HttpReceiver::Start();
  ASSERT_TRUE(rx);
  rx->set_hold(true);
  d_ = StartDaemon({"--callback-concurrency=2"});
  for (int i = 0; i < 5; i++)
    Submit("n" + std::to_string(i), "true", Url(rx->port()));
  for (int i = 0; i < 5; i++)
    ASSERT_TRUE(WaitState("n" + std::to_string(i), "succeeded"));
  ASSERT_TRUE(WaitFor([&] { return rx->count() == 2; }, 10));
  HttpResponse st = HttpRequest(d_->http_port(), "GET", "/");
  EXPECT_NE(st.body.find("\"in_flight\":2"), std::string::npos) << st.body;
  // HTTP stays served while deliveries hang.
  EXPECT_FALSE(WaitFor([&] { return rx->count() > 2; }, 1.0));
  rx->set_hold(false);
  for (int i = 0; i < 5; i++)
    ASSERT_TRUE(WaitCallback("n" + std::to_string(i), "delivered"));
  EXPECT_LE(rx->max_open(), 2);
}

TEST_F(Callback, AMalformedUrlIsRefusedWhenTheTaskIsAccepted) {
  d_ = StartDaemon();
  HttpResponse r =
      Post("id=u1&task=true&callback=" + UrlEncode("https://example.com/hook"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("callback"), std::string::npos) << r.body;
  r = HttpRequest(d_->http_port(), "POST", "/channels/default",
                  R"({"id":"u2","task":"true","callback":"http://u:p@h/"})",
                  {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 400) << r.body;
  PushRaw(R"({"id":"u3","task":"true","callback":"nope"})");
  ASSERT_TRUE(
      WaitFor([&] { return conn_->LLen("coyotes:dead-letters") == 1; }, 10));
  auto letters = conn_->List({"LRANGE", "coyotes:dead-letters", "0", "-1"});
  EXPECT_NE(letters[0].find("'callback' must start with http://"),
            std::string::npos)
      << letters[0];
  EXPECT_EQ(Field("u1", "state"), "(nil)");
  EXPECT_EQ(Field("u3", "state"), "(nil)");
}

TEST_F(Callback, CallbackHostsLimitWhereCallbacksGo) {
  auto rx = HttpReceiver::Start();
  ASSERT_TRUE(rx);
  d_ = StartDaemon({"--callback-hosts=127.0.0.1,*.hooks.internal"});
  HttpResponse r =
      Post("id=h1&task=true&callback=" + UrlEncode("http://localhost:9/x"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("host 'localhost' is not in --callback-hosts"),
            std::string::npos)
      << r.body;
  PushRaw(R"({"id":"h2","task":"true","callback":"http://10.1.1.1/"})");
  ASSERT_TRUE(
      WaitFor([&] { return conn_->LLen("coyotes:dead-letters") == 1; }, 10));
  EXPECT_NE(conn_->List({"LRANGE", "coyotes:dead-letters", "0", "0"})[0].find(
                "not in --callback-hosts"),
            std::string::npos);
  Submit("h3", "true", Url(rx->port()));
  ASSERT_TRUE(WaitCallback("h3", "delivered")) << d_->LogTail();
  EXPECT_EQ(Field("h1", "state"), "(nil)");
  EXPECT_EQ(Field("h2", "state"), "(nil)");
}

}  // namespace
}  // namespace coyotes::testing
