// The dead letters: producer items that were not run (malformed, too large,
// or for a channel beyond --max-channels), newest first. Read a page at a
// time, or cleared all at once.
#include "base/json_util.h"
#include "http/api_handlers.h"
#include "http/http_server.h"

namespace coyotes {

void ListDeadLetters(const ApiContext& api, const Request& r) {
  evhttp_request* req = r.req;
  auto page = ParsePage(r.query);
  if (!page.ok()) {
    SendJson(req, 400, page.status().message(), nullptr);
    return;
  }
  if (!RedisUp(api, req)) return;
  Page pg = page.value();
  // Newest first, as they were pushed.
  api.redis->Command(
      {"LLEN", api.keys.DeadLetters()},
      [&api, req, pg](Result<const redisReply*> r) {
        if (!r.ok()) {
          SendRedisError(req, r.status());
          return;
        }
        long long count = r.value()->integer;
        if (pg.limit == 0 || pg.offset >= count) {
          json_t* d = json_object();
          json_object_set_new(d, "items", json_array());
          json_object_set_new(d, "count", json_integer(count));
          SendJson(req, 200, "ok", d);
          return;
        }
        api.redis->Command(
            {"LRANGE", api.keys.DeadLetters(), std::to_string(pg.offset),
             std::to_string(pg.offset + pg.limit - 1)},
            [req, count](Result<const redisReply*> r) {
              if (!r.ok()) {
                SendRedisError(req, r.status());
                return;
              }
              json_t* items = json_array();
              for (size_t i = 0; i < r.value()->elements; i++) {
                std::string text = ReplyText(r.value()->element[i]);
                json_error_t err;
                json_t* o = json_loadb(text.data(), text.size(), 0, &err);
                json_array_append_new(items, o ? o : JsonStringLossy(text));
              }
              json_t* d = json_object();
              json_object_set_new(d, "items", items);
              json_object_set_new(d, "count", json_integer(count));
              SendJson(req, 200, "ok", d);
            });
      });
}

void ClearDeadLetters(const ApiContext& api, const Request& r) {
  evhttp_request* req = r.req;
  if (!RedisUp(api, req)) return;
  api.redis->Command({"DEL", api.keys.DeadLetters()},
                     [req](Result<const redisReply*> r) {
                       if (!r.ok()) {
                         SendRedisError(req, r.status());
                         return;
                       }
                       SendJson(req, 200, "ok; dead letters cleared", nullptr);
                     });
}

}  // namespace coyotes
