// HttpApi: the master's HTTP entry point. It decodes the request URI (path
// segments, query), asks the route table (routes.h) which handler takes it
// and answers the refusals itself: a malformed URI, path or query (400),
// and those the table decides (400, 404, 405 with Allow). Every answer is
// the original's JSON envelope {"status_code","message","data"}
// (http_server.h).
#ifndef COYOTES_HTTP_HTTP_API_H_
#define COYOTES_HTTP_HTTP_API_H_

#include <event2/http.h>

#include <memory>
#include <string>

#include "base/config.h"
#include "http/api_common.h"
#include "http/auth.h"
#include "http/daemon_view.h"
#include "store/async_redis.h"
#include "store/redis_keys.h"

namespace coyotes {

// Built by the master before it listens and kept until its loop ends. It
// holds only what outlives a request (ApiContext); what belongs to one
// request is in the Request each Handle call builds.
class HttpApi {
 public:
  HttpApi(const Config& config, const RedisKeys& keys, AsyncRedis* redis,
          DaemonView* view, TaskWaits* waits, OutputFollows* follows)
      : api_{config, keys, redis, view, waits, follows} {}
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  void Handle(evhttp_request* req);

  // The samples GET /stats/history answers with; `history` outlives this.
  void set_stats_history(const StatsHistory* history) {
    api_.history = history;
  }

  // --http-token-file: from now on every request but those of the routes
  // without needs_token (GET /healthz, the dashboard's files) needs
  // one of `tokens` (auth.h). `path` is where ReloadTokens reads again.
  void SetTokens(TokenTable tokens, std::string path);
  // SIGHUP: reads the token file again; on error keeps the tokens it has
  // (a typo must not lock everyone out, nor let everyone in) and logs it.
  void ReloadTokens();

 private:
  // False, after answering 401 or 403, when the request may not pass.
  bool Authorized(evhttp_request* req, evhttp_cmd_type method);

  ApiContext api_;
  std::unique_ptr<TokenTable> tokens_;  // null: no authentication
  std::string token_path_;
};

}  // namespace coyotes

#endif  // COYOTES_HTTP_HTTP_API_H_
