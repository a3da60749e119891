// What every HTTP handler shares: the context it works in, the request it
// answers, and the answers several resources give alike (Redis down, a body
// that cannot be read, a Redis error, a bad ?limit=/?offset=). Handlers
// never block: a Redis-backed answer is sent from an AsyncRedis callback.
#ifndef COYOTES_HTTP_API_COMMON_H_
#define COYOTES_HTTP_API_COMMON_H_

#include <event2/http.h>
#include <hiredis/hiredis.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/config.h"
#include "base/status.h"
#include "http/daemon_view.h"
#include "http/form.h"
#include "http/routes.h"
#include "store/async_redis.h"
#include "store/redis_keys.h"

namespace coyotes {

// The long-lived state handlers use, owned by HttpApi. Redis callbacks may
// hold it by reference: the master stops Redis, which calls every pending
// callback, before it lets the HttpApi go.
class TaskWaits;
class OutputFollows;
class StatsHistory;

struct ApiContext {
  const Config& config;
  const RedisKeys& keys;
  AsyncRedis* redis;
  DaemonView* view;
  TaskWaits* waits;                       // ?wait=
  OutputFollows* follows;                 // GET /tasks/ID/output?follow=1
  const StatsHistory* history = nullptr;  // GET /stats/history; may be null
};

// One request, built by HttpApi::Handle and gone when the handler returns:
// a callback copies what it needs (`req` stays valid until it is answered,
// see http_server.h).
struct Request {
  evhttp_request* req;
  PathParams params;
  Form query;

  // The path parameter `name` of the route; asking for one the route does
  // not have is a bug and crashes.
  const std::string& Param(std::string_view name) const;
};

// False, after answering 503, when Redis is not connected.
bool RedisUp(const ApiContext& api, evhttp_request* req);

// Decodes the body by its Content-Type; on failure answers (400, 413 or
// 415) and returns nullopt.
std::optional<Form> ReadForm(const ApiContext& api, evhttp_request* req);

// Answers a failed Redis call: 503 when the connection is gone, else 500.
void SendRedisError(evhttp_request* req, const Status& status);

// A reply's text (string or status), "" for any other type.
std::string ReplyText(const redisReply* r);

// An array reply of alternating names and values (HGETALL) as pairs.
std::vector<std::pair<std::string, std::string>> Pairs(const redisReply* r);

// ?limit= (default 100, at most 1000) and ?offset= (default 0).
struct Page {
  int64_t offset = 0;
  int64_t limit = 100;
};
Result<Page> ParsePage(const Form& query);

}  // namespace coyotes

#endif  // COYOTES_HTTP_API_COMMON_H_
