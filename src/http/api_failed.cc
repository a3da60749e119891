// A channel's failed set: tasks that used up their attempts, kept for
// --failed-ttl. Each can be read, run again (the failed_action script moves
// it back to its queue atomically, refusing a command a distinct channel
// already holds) or forgotten; retry-all runs the whole set again.
#include <memory>

#include "http/api_handlers.h"
#include "http/http_server.h"
#include "store/scripts.h"

namespace coyotes {

namespace {

// The keys of the failed_action script for task `id` of `channel`.
std::vector<std::string> FailedActionKeys(const ApiContext& api,
                                          const std::string& channel,
                                          const std::string& id) {
  return {api.keys.Failed(channel), api.keys.Task(id), api.keys.Queue(channel),
          api.keys.Distinct(channel)};
}

// `action`: "rerun" or "delete".
void FailedAction(const ApiContext& api, const Request& rq,
                  const std::string& action) {
  evhttp_request* req = rq.req;
  const std::string& channel = rq.Param("channel");
  const std::string& id = rq.Param("failed_id");
  if (!RedisUp(api, req)) return;
  api.redis->Eval(
      kFailedActionScript, FailedActionKeys(api, channel, id),
      {id, action, api.keys.prefix()},
      [req, channel, id, action](Result<const redisReply*> r) {
        if (!r.ok()) {
          SendRedisError(req, r.status());
          return;
        }
        if (r.value()->integer == 0) {
          SendJson(req, 404, "no failed task " + id + " in " + channel,
                   nullptr);
          return;
        }
        if (r.value()->integer == 2) {
          SendJson(req, 409,
                   "task " + id +
                       "'s command is already queued, delayed "
                       "or running in distinct channel " +
                       channel,
                   nullptr);
          return;
        }
        json_t* d = json_object();
        json_object_set_new(d, "task_id", json_string(id.c_str()));
        SendJson(req, 200,
                 action == "rerun" ? "ok; queued again" : "ok; forgotten", d);
      });
}

}  // namespace

void ListFailed(const ApiContext& api, const Request& r) {
  SendTaskSetPage(api, r, api.keys.Failed(r.Param("channel")), "failed");
}

void GetFailed(const ApiContext& api, const Request& rq) {
  evhttp_request* req = rq.req;
  const std::string& channel = rq.Param("channel");
  const std::string& id = rq.Param("failed_id");
  if (!RedisUp(api, req)) return;
  api.redis->Command({"ZSCORE", api.keys.Failed(channel), id},
                     [&api, req, channel, id](Result<const redisReply*> r) {
                       if (!r.ok()) {
                         SendRedisError(req, r.status());
                         return;
                       }
                       if (r.value()->type == REDIS_REPLY_NIL) {
                         SendJson(req, 404,
                                  "no failed task " + id + " in " + channel,
                                  nullptr);
                         return;
                       }
                       SendTaskRecord(api, req, id, "failed");
                     });
}

void RerunFailed(const ApiContext& api, const Request& r) {
  FailedAction(api, r, "rerun");
}

void ForgetFailed(const ApiContext& api, const Request& r) {
  FailedAction(api, r, "delete");
}

void RetryAllFailed(const ApiContext& api, const Request& rq) {
  evhttp_request* req = rq.req;
  const std::string& channel = rq.Param("channel");
  if (!RedisUp(api, req)) return;
  api.redis->Command({"ZRANGE", api.keys.Failed(channel), "0", "-1"},
                     [&api, req, channel](Result<const redisReply*> r) {
                       if (!r.ok()) {
                         SendRedisError(req, r.status());
                         return;
                       }
                       struct Pending {
                         size_t left = 0;
                         int64_t queued = 0;
                       };
                       auto p = std::make_shared<Pending>();
                       p->left = r.value()->elements;
                       auto answer = [req](int64_t n) {
                         json_t* d = json_object();
                         json_object_set_new(d, "queued", json_integer(n));
                         SendJson(req, 200, "ok", d);
                       };
                       if (p->left == 0) return answer(0);
                       for (size_t i = 0; i < r.value()->elements; i++) {
                         std::string id = ReplyText(r.value()->element[i]);
                         // Pipelined on one connection: they run in order.
                         api.redis->Eval(
                             kFailedActionScript,
                             FailedActionKeys(api, channel, id),
                             {id, "rerun", api.keys.prefix()},
                             [p, answer](Result<const redisReply*> r) {
                               if (r.ok() && r.value()->integer == 1)
                                 p->queued++;
                               if (--p->left == 0) answer(p->queued);
                             });
                       }
                     });
}

}  // namespace coyotes
