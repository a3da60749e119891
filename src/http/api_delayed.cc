// The delayed set: tasks waiting for their due time. A task read or
// cancelled here must still be delayed; once due it is an ordinary queued
// task (EffectiveState) and answers under /tasks only.
#include "http/api_handlers.h"
#include "http/http_server.h"

namespace coyotes {

void ListDelayed(const ApiContext& api, const Request& r) {
  SendTaskSetPage(api, r, api.keys.Delayed(), "delayed");
}

void GetDelayed(const ApiContext& api, const Request& r) {
  SendTaskRecord(api, r.req, r.Param("delayed_id"), "delayed");
}

void CancelDelayed(const ApiContext& api, const Request& r) {
  evhttp_request* req = r.req;
  const std::string& id = r.Param("delayed_id");
  if (!RedisUp(api, req)) return;
  api.redis->Command({"HGET", api.keys.Task(id), "state"},
                     [&api, req, id](Result<const redisReply*> r) {
                       if (!r.ok()) {
                         SendRedisError(req, r.status());
                         return;
                       }
                       if (ReplyText(r.value()) != "delayed") {
                         SendJson(req, 404, "no delayed task " + id, nullptr);
                         return;
                       }
                       SendCancel(api, req, id);
                     });
}

}  // namespace coyotes
