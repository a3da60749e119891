// GET /: the daemon's status (DaemonView) with the Redis connection and the
// task totals. It answers 200 even when Redis is down, with null totals, so
// that a monitor can tell a sick Redis from a dead daemon.
#include <cstdlib>

#include "http/api_handlers.h"
#include "http/http_server.h"
#include "http/output_follow.h"
#include "http/task_wait.h"
#include "store/redis_keys.h"

namespace coyotes {

void GetStatus(const ApiContext& api, const Request& r) {
  evhttp_request* req = r.req;
  json_t* data = api.view->StatusJson();
  json_t* redis = json_object();
  // The server connected to (with sentinels, the master they named last),
  // and the sentinel that named it: null without --redis-sentinel.
  json_object_set_new(redis, "addr", json_string(api.redis->addr().c_str()));
  json_object_set_new(redis, "sentinel",
                      api.redis->named_by().empty()
                          ? json_null()
                          : json_string(api.redis->named_by().c_str()));
  json_object_set_new(redis, "connected", json_boolean(api.redis->connected()));
  json_object_set_new(data, "redis", redis);
  // Requests waiting for a task's end (?wait=).
  json_object_set_new(data, "waiting",
                      json_integer(api.waits ? api.waits->waiting() : 0));
  // Answers streaming a task's output (?follow=1).
  json_object_set_new(data, "following",
                      json_integer(api.follows ? api.follows->following() : 0));
  api.redis->Command(
      {"HMGET", api.keys.Stats(), "dealt", "succeeded", "failed"},
      [req, data](Result<const redisReply*> r) {
        json_t* totals = json_object();
        const char* names[] = {"dealt", "succeeded", "failed"};
        for (int i = 0; i < 3; i++) {
          long long v = 0;
          if (r.ok() && r.value()->type == REDIS_REPLY_ARRAY &&
              r.value()->elements == 3 &&
              r.value()->element[i]->type == REDIS_REPLY_STRING)
            v = std::atoll(r.value()->element[i]->str);
          json_object_set_new(totals, names[i],
                              r.ok() ? json_integer(v) : json_null());
        }
        json_object_set_new(data, "totals", totals);
        SendJson(req, 200, "ok", data);
      });
}

void GetHealthz(const ApiContext& api, const Request& r) {
  evhttp_request* req = r.req;
  auto answer = [req](bool up) {
    json_t* data = json_object();
    json_object_set_new(data, "redis", json_boolean(up));
    SendJson(req, up ? 200 : 503, up ? "ok" : "Redis is unavailable", data);
  };
  if (!api.redis->connected()) return answer(false);
  api.redis->Command({"PING"}, [answer](Result<const redisReply*> pong) {
    answer(pong.ok());
  });
}

}  // namespace coyotes
