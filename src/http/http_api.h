// The HTTP API's routes. Every answer is the original's JSON envelope
// {"status_code","message","data"} (http_server.h). Handlers never block:
// Redis-backed answers are sent from AsyncRedis callbacks, and a Redis that
// is down gives 503 at once.
#ifndef COYOTES_HTTP_HTTP_API_H_
#define COYOTES_HTTP_HTTP_API_H_

#include <event2/http.h>
#include <jansson.h>

#include <optional>
#include <string>

#include "base/config.h"
#include "base/status.h"
#include "http/body.h"
#include "http/daemon_view.h"
#include "http/form.h"
#include "store/async_redis.h"
#include "store/redis_keys.h"
#include "task/task.h"

namespace coyotes {

class HttpApi {
 public:
  HttpApi(const Config& config, const RedisKeys& keys, AsyncRedis* redis,
          DaemonView* view)
      : config_(config), keys_(keys), redis_(redis), view_(view) {}

  void Handle(evhttp_request* req);

 private:
  void GetStatus(evhttp_request* req);
  void PostTask(evhttp_request* req, const std::string& channel);
  void ListChannels(evhttp_request* req, const std::string& only);
  void CreateChannel(evhttp_request* req);
  void DeleteChannel(evhttp_request* req, const std::string& channel);
  // only_state: answer 404 unless the task is in that state ("": any).
  void GetTask(evhttp_request* req, const std::string& id,
               const std::string& only_state);
  void ListTaskSet(evhttp_request* req, const std::string& key,
                   const std::string& kind);
  void CancelDelayed(evhttp_request* req, const std::string& id);
  void GetFailed(evhttp_request* req, const std::string& channel,
                 const std::string& id);
  void FailedAction(evhttp_request* req, const std::string& channel,
                    const std::string& id, const std::string& action);
  void RetryAllFailed(evhttp_request* req, const std::string& channel);
  // The keys of the failed_action script for task `id` of `channel`.
  std::vector<std::string> FailedActionKeys(const std::string& channel,
                                            const std::string& id) const;
  void CancelTask(evhttp_request* req, const std::string& id);
  void ListDeadLetters(evhttp_request* req);
  void ClearDeadLetters(evhttp_request* req);
  // Decodes the body by its Content-Type; on failure answers (400, 413 or
  // 415) and returns nullopt.
  std::optional<Form> ReadForm(evhttp_request* req);
  // False (and a 503 answer) when Redis is not connected.
  bool RedisUp(evhttp_request* req);

  const Config& config_;
  const RedisKeys& keys_;
  AsyncRedis* redis_;
  DaemonView* view_;
  Form query_;  // of the request being dispatched
};

// ?limit= (default 100, at most 1000) and ?offset= (default 0).
struct Page {
  int64_t offset = 0;
  int64_t limit = 100;
};
Result<Page> ParsePage(const Form& query);

// Splits "/a/b%2Fc" into decoded segments {"a", "b/c"}; error on a bad
// escape.
Result<std::vector<std::string>> SplitPath(const std::string& path);

}  // namespace coyotes

#endif  // COYOTES_HTTP_HTTP_API_H_
