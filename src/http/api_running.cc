// GET /channels/NAME/running: the tasks a channel runs now, on every
// daemon, oldest start first, with their start times (the running set,
// Pcoyotes:running:<chan>, scored by start ms) and a few fields of their
// records. It answers the dashboard's "running for how long": `now` is this
// daemon's clock, so the page need not trust the browser's.
#include <cstdlib>
#include <memory>
#include <string>

#include "base/json_util.h"
#include "base/wall_clock.h"
#include "http/api_handlers.h"
#include "http/http_server.h"

namespace coyotes {

namespace {

// The answer being put together: the page's tasks in order, each filled in
// by its own HMGET; sent when the last one has answered.
struct RunningPage {
  evhttp_request* req;
  json_t* tasks = json_array();
  long long count = 0;
  size_t left = 0;
  bool failed = false;
  Status error;
  ~RunningPage() { json_decref(tasks); }

  void Done() {
    if (--left > 0) return;
    if (failed) {
      SendRedisError(req, error);
      return;
    }
    json_t* d = json_object();
    json_object_set_new(d, "tasks", json_incref(tasks));
    json_object_set_new(d, "count", json_integer(count));
    json_object_set_new(d, "now", json_integer(WallMs()));
    SendJson(req, 200, "ok", d);
  }
};

void SendPage(const ApiContext& api, evhttp_request* req,
              const std::string& chan, long long count, Page pg) {
  api.redis->Command(
      {"ZRANGE", api.keys.Running(chan), std::to_string(pg.offset),
       std::to_string(pg.offset + pg.limit - 1), "WITHSCORES"},
      [&api, req, count](Result<const redisReply*> r) {
        if (!r.ok()) {
          SendRedisError(req, r.status());
          return;
        }
        auto page = std::make_shared<RunningPage>();
        page->req = req;
        page->count = count;
        const redisReply* rep = r.value();
        // One more than the tasks, so that an empty page is sent too.
        page->left = rep->elements / 2 + 1;
        for (size_t i = 0; i + 1 < rep->elements; i += 2) {
          std::string id = ReplyText(rep->element[i]);
          json_t* t = json_object();
          json_object_set_new(t, "task_id", JsonStringLossy(id));
          json_object_set_new(
              t, "started_at",
              json_integer(std::atoll(ReplyText(rep->element[i + 1]).c_str())));
          json_array_append_new(page->tasks, t);
          api.redis->Command(
              {"HMGET", api.keys.Task(id), "name", "worker", "attempts"},
              [page, t](Result<const redisReply*> f) {
                if (!f.ok()) {
                  page->failed = true;
                  page->error = f.status();
                } else if (f.value()->type == REDIS_REPLY_ARRAY &&
                           f.value()->elements == 3) {
                  auto text = [&](size_t k) {
                    const redisReply* e = f.value()->element[k];
                    return e->type == REDIS_REPLY_STRING
                               ? JsonStringLossy(ReplyText(e))
                               : json_null();
                  };
                  json_object_set_new(t, "task_name", text(0));
                  json_object_set_new(t, "worker", text(1));
                  const redisReply* a = f.value()->element[2];
                  json_object_set_new(t, "attempts",
                                      a->type == REDIS_REPLY_STRING
                                          ? json_integer(std::atoll(a->str))
                                          : json_null());
                }
                page->Done();
              });
        }
        page->Done();
      });
}

}  // namespace

void ListRunning(const ApiContext& api, const Request& r) {
  evhttp_request* req = r.req;
  auto page = ParsePage(r.query);
  if (!page.ok()) {
    SendJson(req, 400, page.status().message(), nullptr);
    return;
  }
  if (!RedisUp(api, req)) return;
  std::string chan = r.Param("channel");
  Page pg = page.value();
  api.redis->Command({"ZCARD", api.keys.Running(chan)},
                     [&api, req, chan, pg](Result<const redisReply*> r) {
                       if (!r.ok()) {
                         SendRedisError(req, r.status());
                         return;
                       }
                       long long count = r.value()->integer;
                       if (pg.limit == 0 || pg.offset >= count) {
                         json_t* d = json_object();
                         json_object_set_new(d, "tasks", json_array());
                         json_object_set_new(d, "count", json_integer(count));
                         json_object_set_new(d, "now", json_integer(WallMs()));
                         SendJson(req, 200, "ok", d);
                         return;
                       }
                       SendPage(api, req, chan, count, pg);
                     });
}

}  // namespace coyotes
