// GET /tasks/ID/output: a running task's output reaches the API through
// Redis, whichever daemon answers; ?follow=1 streams it as NDJSON until
// the task ends; short tasks send nothing.
#include <gtest/gtest.h>
#include <jansson.h>

#include <iostream>
#include <string>
#include <vector>

#include "blackbox/bb_util.h"
#include "support/http_client.h"

namespace coyotes::testing {
namespace {

const std::vector<std::pair<std::string, std::string>> kJson = {
    {"Content-Type", "application/json"}};

// A task's output streams, put together from a followed answer's lines,
// and its last line.
struct Followed {
  std::string out, err;
  std::string state;  // "" until the last line
  long long exit_code = -1;
  int lines = 0;
  bool bad = false;  // a line that is not a JSON object
};

Followed ParseLines(const std::string& body) {
  Followed f;
  size_t pos = 0;
  for (size_t nl; (nl = body.find('\n', pos)) != std::string::npos;
       pos = nl + 1) {
    json_error_t err;
    json_t* line = json_loadb(body.data() + pos, nl - pos, 0, &err);
    if (!json_is_object(line)) {
      f.bad = true;
      json_decref(line);
      continue;
    }
    f.lines++;
    const char* stream = json_string_value(json_object_get(line, "stream"));
    json_t* data = json_object_get(line, "data");
    if (stream != nullptr && json_is_string(data)) {
      std::string text(json_string_value(data), json_string_length(data));
      (std::string(stream) == "stdout" ? f.out : f.err) += text;
    } else if (const char* s =
                   json_string_value(json_object_get(line, "state"))) {
      f.state = s;
      json_t* code = json_object_get(line, "exit_code");
      if (json_is_integer(code)) f.exit_code = json_integer_value(code);
    } else {
      f.bad = true;
    }
    json_decref(line);
  }
  return f;
}

class LiveOutput : public BlackBox {
 protected:
  // POSTs a shell task with id `id`; true when it was queued.
  bool PostShell(Daemon& d, const std::string& id, const std::string& sh) {
    json_t* body = json_object();
    json_object_set_new(body, "id", json_string(id.c_str()));
    json_object_set_new(body, "task", json_string(sh.c_str()));
    char* text = json_dumps(body, 0);
    HttpResponse r =
        HttpRequest(d.http_port(), "POST", "/channels/default", text, kJson);
    free(text);
    json_decref(body);
    return r.status == 200;
  }
  // GET /tasks/ID/output's data: stdout, stderr, state ("" on error).
  struct Output {
    int status = 0;
    std::string out, err, state;
  };
  Output Get(Daemon& d, const std::string& id) {
    HttpResponse r =
        HttpRequest(d.http_port(), "GET", "/tasks/" + id + "/output");
    Output o;
    o.status = r.status;
    json_error_t err;
    json_t* env = json_loads(r.body.c_str(), 0, &err);
    json_t* data = json_object_get(env, "data");
    auto str = [&](const char* k) {
      json_t* v = json_object_get(data, k);
      return json_is_string(v)
                 ? std::string(json_string_value(v), json_string_length(v))
                 : std::string();
    };
    o.out = str("stdout");
    o.err = str("stderr");
    o.state = str("state");
    json_decref(env);
    return o;
  }
  // The live output stream keys in Redis.
  std::vector<std::string> OutputKeys() {
    return conn_->List({"KEYS", "coyotes:output:*"});
  }
};

// The task waits for a file before it ends: the test decides when.
std::string Gated(const std::string& gate, const std::string& before,
                  const std::string& after) {
  return before + "; while [ ! -e " + gate + " ]; do sleep 0.02; done; " +
         after;
}

TEST_F(LiveOutput, RunningOutputReachesAnotherDaemonAndIsFollowed) {
  auto runner = StartDaemon({"--concurrent=2"});
  // No workers: whatever it answers comes through Redis.
  auto api = StartDaemon({"--task-mode=false"});
  const std::string gate = tmp_ / "go";
  ASSERT_TRUE(PostShell(*runner, "live1",
                        Gated(gate, "printf 'first\\n'; printf 'warn\\n' >&2",
                              "printf 'second\\n'; exit 3")));
  Output seen;
  ASSERT_TRUE(WaitFor(
      [&] {
        seen = Get(*api, "live1");
        return seen.out == "first\n" && seen.err == "warn\n";
      },
      15))
      << "stdout '" << seen.out << "' stderr '" << seen.err << "'";
  EXPECT_EQ(seen.state, "running");

  HttpStream follow(api->http_port(), "/tasks/live1/output?follow=1");
  ASSERT_TRUE(follow.ReadUntil(
      [](const HttpResponse& r) { return ParseLines(r.body).out == "first\n"; },
      15))
      << follow.response().error << " " << follow.response().body;
  EXPECT_FALSE(follow.complete()) << "the task still runs";
  EXPECT_EQ(follow.response().status, 200);
  EXPECT_EQ(follow.response().headers.at("content-type"),
            "application/x-ndjson");
  EXPECT_EQ(follow.response().headers.at("transfer-encoding"), "chunked");

  std::ofstream(gate).put('\n');
  follow.ReadUntil([](const HttpResponse&) { return false; }, 15);
  ASSERT_TRUE(follow.complete()) << follow.response().body;
  Followed f = ParseLines(follow.response().body);
  EXPECT_FALSE(f.bad) << follow.response().body;
  EXPECT_EQ(f.out, "first\nsecond\n");
  EXPECT_EQ(f.err, "warn\n");
  EXPECT_EQ(f.state, "failed");
  EXPECT_EQ(f.exit_code, 3);
  // Once ended, the answer is the record's.
  Output ended = Get(*api, "live1");
  EXPECT_EQ(ended.out, "first\nsecond\n");
  EXPECT_EQ(ended.state, "failed");
}

TEST_F(LiveOutput, ShortTasksSendNothingAndAreFollowedFromTheirRecord) {
  auto d = StartDaemon({"--concurrent=3"});
  for (int i = 0; i < 30; i++)
    ASSERT_TRUE(PostShell(*d, "short" + std::to_string(i), "echo hi"));
  for (int i = 0; i < 30; i++)
    ASSERT_TRUE(WaitState("short" + std::to_string(i), "succeeded"));
  // Only a task whose start was recorded (it ran for the start-record
  // delay; on a busy machine even `echo` may) sends its output.
  const std::string log = d->log();
  int sent = 0;
  for (const std::string& key : OutputKeys()) {
    const std::string id = key.substr(std::string("coyotes:output:").size());
    EXPECT_NE(log.find("task start id=" + id + " "), std::string::npos)
        << id << " sent its output before its start was recorded";
    sent++;
  }
  std::cout << "[ figures  ] " << sent
            << " of 30 short tasks ran long enough to send output\n";
  HttpResponse r = HttpRequest(d->http_port(), "GET",
                               "/tasks/short7/output?follow=1", "", {}, 10);
  ASSERT_EQ(r.status, 200) << r.body;
  Followed f = ParseLines(r.body);
  EXPECT_FALSE(f.bad) << r.body;
  EXPECT_EQ(f.out, "hi\n");
  EXPECT_EQ(f.state, "succeeded");
  EXPECT_EQ(f.exit_code, 0);
}

TEST_F(LiveOutput, BatchesComeAtMostEveryTenthOfASecondAndMissNothing) {
  auto d = StartDaemon();
  const std::string gate = tmp_ / "go";
  // 150 lines, one every 10 ms or so, after the test has started to follow.
  ASSERT_TRUE(PostShell(
      *d, "drip",
      Gated(gate, "echo start",
            "for i in $(seq 1 150); do echo line$i; sleep 0.01; done")));
  ASSERT_TRUE(WaitState("drip", "running"));
  HttpStream follow(d->http_port(), "/tasks/drip/output?follow=1");
  ASSERT_TRUE(follow.ReadUntil(
      [](const HttpResponse& r) { return ParseLines(r.body).out == "start\n"; },
      15));
  std::ofstream(gate).put('\n');
  follow.ReadUntil([](const HttpResponse&) { return false; }, 30);
  ASSERT_TRUE(follow.complete()) << follow.response().body;
  std::string expected = "start\n";
  for (int i = 1; i <= 150; i++) expected += "line" + std::to_string(i) + "\n";
  Followed f = ParseLines(follow.response().body);
  EXPECT_EQ(f.out, expected);
  EXPECT_EQ(f.state, "succeeded");
  // Entries in Redis: one per batch, from the first to the last.
  const long long batches = conn_->Int({"XLEN", "coyotes:output:drip"});
  const long long ran_ms = std::stoll(Field("drip", "finished_at")) -
                           std::stoll(Field("drip", "started_at"));
  std::cout << "[ figures  ] " << batches << " batches in " << ran_ms
            << " ms of running\n";
  EXPECT_GE(batches, 2);
  EXPECT_LE(batches, ran_ms / 100 + 3);
  // The stream outlives the task only briefly.
  const long long ttl = conn_->Int({"PTTL", "coyotes:output:drip"});
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 60000);
}

TEST_F(LiveOutput, KeepsTheTailAndWholeCharacters) {
  auto d = StartDaemon({"--output-tail=1000"});
  const std::string gate = tmp_ / "go";
  // 60 lines of 100 bytes, then an e-acute split across two writes.
  ASSERT_TRUE(PostShell(
      *d, "tail",
      Gated(gate,
            "for i in $(seq 10 69); do printf 'l%s%096d\\n' $i 0; done; "
            "printf '\\303'; sleep 0.3; printf '\\251\\n'",
            "true")));
  std::string last;
  for (int i = 60; i <= 69; i++)
    last += "l" + std::to_string(i) + std::string(96, '0') + "\n";
  Output o;
  ASSERT_TRUE(WaitFor(
      [&] {
        o = Get(*d, "tail");
        return o.out.size() >= 3 &&
               o.out.substr(o.out.size() - 3) == "\xc3\xa9\n";
      },
      15))
      << o.out.size() << " bytes";
  EXPECT_EQ(o.out.size(), 1000u);
  EXPECT_EQ(o.out.substr(0, 997), last.substr(last.size() - 997));
  EXPECT_EQ(o.out.find("\xef\xbf\xbd"), std::string::npos)
      << "half a character became a replacement character";
  std::ofstream(gate).put('\n');
  ASSERT_TRUE(WaitState("tail", "succeeded"));
}

TEST_F(LiveOutput, RefusalsAndAClientThatHangsUp) {
  auto d = StartDaemon();
  EXPECT_EQ(HttpRequest(d->http_port(), "GET", "/tasks/nosuch/output").status,
            404);
  EXPECT_EQ(HttpRequest(d->http_port(), "GET", "/tasks/nosuch/output?follow=1")
                .status,
            404);
  EXPECT_EQ(
      HttpRequest(d->http_port(), "GET", "/tasks/x/output?follow=maybe").status,
      400);
  const std::string gate = tmp_ / "go";
  ASSERT_TRUE(PostShell(*d, "held", Gated(gate, "echo a", "true")));
  ASSERT_TRUE(WaitState("held", "running"));
  auto following = [&] {
    HttpResponse r = HttpRequest(d->http_port(), "GET", "/");
    return r.body.find("\"following\":1") != std::string::npos   ? 1
           : r.body.find("\"following\":0") != std::string::npos ? 0
                                                                 : -1;
  };
  {
    HttpStream follow(d->http_port(), "/tasks/held/output?follow=1");
    ASSERT_TRUE(follow.ReadUntil(
        [](const HttpResponse& r) { return r.status == 200; }, 10));
    EXPECT_EQ(following(), 1);
  }  // hangs up
  EXPECT_TRUE(WaitFor([&] { return following() == 0; }, 10))
      << "the stream of a client that left was not ended";
  std::ofstream(gate).put('\n');
  ASSERT_TRUE(WaitState("held", "succeeded"));
  EXPECT_TRUE(d->running());
}

}  // namespace
}  // namespace coyotes::testing
