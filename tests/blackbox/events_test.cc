// Task events: every change of a task's state reaches a SUBSCRIBE client
// of coyotes:events, in order, from the script that made the change.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <poll.h>

#include <memory>
#include <string>
#include <vector>

#include "blackbox/bb_util.h"
#include "support/http_client.h"

namespace coyotes::testing {
namespace {

// A subscriber on its own connection, as `redis-cli SUBSCRIBE` would be.
class Subscriber {
 public:
  Subscriber(int port, const std::string& channel) {
    ctx_.reset(redisConnect("127.0.0.1", port));
    EXPECT_TRUE(ctx_ && !ctx_->err);
    redisReply* r = static_cast<redisReply*>(
        redisCommand(ctx_.get(), "SUBSCRIBE %s", channel.c_str()));
    EXPECT_NE(r, nullptr);
    if (r) freeReplyObject(r);
  }
  // Messages received so far; waits until `done` holds for them or
  // `timeout_s` has passed.
  const std::vector<std::string>& Until(
      const std::function<bool(const std::vector<std::string>&)>& done,
      double timeout_s) {
    const double deadline = NowSeconds() + timeout_s;
    while (!done(messages_) && NowSeconds() < deadline) {
      // Replies already read first; then wait for the socket, at most
      // 100 ms at a time, so that the deadline holds.
      void* raw = nullptr;
      if (redisGetReplyFromReader(ctx_.get(), &raw) != REDIS_OK) break;
      if (raw == nullptr) {
        pollfd p{ctx_->fd, POLLIN, 0};
        if (poll(&p, 1, 100) == 1 && redisBufferRead(ctx_.get()) != REDIS_OK)
          break;
        continue;
      }
      auto* r = static_cast<redisReply*>(raw);
      if (r->type == REDIS_REPLY_ARRAY && r->elements == 3)
        messages_.emplace_back(r->element[2]->str, r->element[2]->len);
      freeReplyObject(r);
    }
    return messages_;
  }
  // The events of one task, in order.
  std::vector<std::string> Of(const std::string& id) const {
    std::vector<std::string> out;
    for (const auto& m : messages_)
      if (m.find("\"task_id\":\"" + id + "\"") != std::string::npos)
        out.push_back(m);
    return out;
  }

 private:
  struct Free {
    void operator()(redisContext* c) const { redisFree(c); }
  };
  std::unique_ptr<redisContext, Free> ctx_;
  std::vector<std::string> messages_;
};

bool Has(const std::string& event, const std::string& field,
         const std::string& json_value) {
  return event.find("\"" + field + "\":" + json_value) != std::string::npos;
}

class Events : public BlackBox {
 protected:
  size_t Count(const Subscriber& s, const std::string& id) {
    return s.Of(id).size();
  }
};

TEST_F(Events, AFailedThenRetriedTaskInOrder) {
  Subscriber sub(redis_->port(), "coyotes:events");
  auto d = StartDaemon(
      {"--concurrent=1", "--retry-min-delay=0", "--retry-max-delay=0"});
  PushRaw("{\"id\":\"ev1\",\"task\":\"mkdir " + (tmp_ / "m") +
          " 2>/dev/null && exit 3; exit 0\",\"retry\":1}");
  sub.Until(
      [&](const std::vector<std::string>&) {
        auto e = sub.Of("ev1");
        return !e.empty() && Has(e.back(), "state", "\"succeeded\"");
      },
      15);
  auto e = sub.Of("ev1");
  ASSERT_EQ(e.size(), 5u) << ::testing::PrintToString(e);
  const char* states[] = {"queued", "running", "retrying", "running",
                          "succeeded"};
  const char* attempts[] = {"1", "1", "1", "2", "2"};
  for (size_t i = 0; i < 5; i++) {
    EXPECT_TRUE(Has(e[i], "state", std::string("\"") + states[i] + "\""))
        << i << ": " << e[i];
    EXPECT_TRUE(Has(e[i], "attempt", attempts[i])) << i << ": " << e[i];
    EXPECT_TRUE(Has(e[i], "channel", "\"default\"")) << e[i];
    EXPECT_NE(e[i].find("\"at\":1"), std::string::npos) << e[i];
  }
  EXPECT_TRUE(Has(e[0], "exit_code", "null")) << e[0];
  EXPECT_TRUE(Has(e[2], "exit_code", "3")) << e[2];
  EXPECT_TRUE(Has(e[2], "signal", "null")) << e[2];
  EXPECT_TRUE(Has(e[3], "exit_code", "null")) << e[3];
  EXPECT_TRUE(Has(e[4], "exit_code", "0")) << e[4];
}

TEST_F(Events, DelayedCancelledAndFailedForGood) {
  Subscriber sub(redis_->port(), "coyotes:events");
  auto d = StartDaemon({"--concurrent=1"});
  PushRaw("{\"id\":\"later\",\"task\":\"true\",\"delay\":3600}");
  PushRaw("{\"id\":\"bad\",\"task\":\"kill -9 $$\"}");
  sub.Until(
      [&](const std::vector<std::string>&) {
        return Count(sub, "later") >= 1 && Count(sub, "bad") >= 3;
      },
      15);
  ASSERT_EQ(Count(sub, "later"), 1u);
  EXPECT_TRUE(Has(sub.Of("later")[0], "state", "\"delayed\""));
  auto bad = sub.Of("bad");
  ASSERT_EQ(bad.size(), 3u) << ::testing::PrintToString(bad);
  EXPECT_TRUE(Has(bad[2], "state", "\"failed\"")) << bad[2];
  EXPECT_TRUE(Has(bad[2], "signal", "\"SIGKILL\"")) << bad[2];
  EXPECT_TRUE(Has(bad[2], "exit_code", "null")) << bad[2];

  HttpResponse r = HttpRequest(d->http_port(), "DELETE", "/tasks/later");
  EXPECT_EQ(r.status, 200) << r.body;
  sub.Until(
      [&](const std::vector<std::string>&) { return Count(sub, "later") >= 2; },
      10);
  ASSERT_EQ(Count(sub, "later"), 2u);
  EXPECT_TRUE(Has(sub.Of("later")[1], "state", "\"cancelled\""));
}

TEST_F(Events, ANamespaceHasItsOwnChannel) {
  Subscriber plain(redis_->port(), "coyotes:events");
  Subscriber ns(redis_->port(), "ns1:coyotes:events");
  auto d = StartDaemon({"--namespace=ns1"});
  conn_->Cmd(
      {"LPUSH", "ns1:task:prepare:queue", "{\"id\":\"n1\",\"task\":\"true\"}"});
  ns.Until(
      [&](const std::vector<std::string>&) { return Count(ns, "n1") >= 3; },
      15);
  EXPECT_EQ(Count(ns, "n1"), 3u);  // queued, running, succeeded
  // Nothing on the unprefixed channel (read for a moment to be sure).
  plain.Until([](const std::vector<std::string>& m) { return !m.empty(); },
              0.5);
  EXPECT_EQ(Count(plain, "n1"), 0u);
}

}  // namespace
}  // namespace coyotes::testing
