// ApiClient: the daemon's HTTP API as coyotesctl uses it. Adds the bearer
// token, sends JSON bodies, and opens the JSON envelope
// {"status_code", "message", "data"} of every answer.
#ifndef COYOTES_CTL_API_CLIENT_H_
#define COYOTES_CTL_API_CLIENT_H_

#include <functional>
#include <string>
#include <string_view>

#include "base/json_util.h"
#include "base/status.h"
#include "ctl/http_client.h"

namespace coyotes {

struct ApiReply {
  int status = 0;       // the HTTP status
  std::string message;  // the envelope's message ("ok"), or why not
  JsonPtr data;         // the envelope's data (JSON null when absent)
  std::string text;     // the body as it came (for GET /metrics)
  bool ok() const { return status >= 200 && status < 300; }
};

class ApiClient {
 public:
  // `token` empty: no Authorization header.
  ApiClient(ApiAddress address, std::string token);

  // kUnavailable when the daemon cannot be reached (see SendHttp). A
  // refusal (4xx, 5xx) is a reply, not an error: its message says why.
  // `wait_s` > 0 lengthens the wait for the answer by that much (a
  // request with ?wait= is answered late on purpose).
  Result<ApiReply> Call(const std::string& method, const std::string& target,
                        const json_t* body = nullptr, double wait_s = 0);

  // GET with the body of a 2xx answer handed to `sink` as it arrives and
  // no limit on how long it takes; a refusal comes back whole, opened as
  // Call() opens it.
  Result<ApiReply> Stream(const std::string& target,
                          std::function<void(std::string_view)> sink);

  const ApiAddress& address() const { return address_; }

 private:
  HttpCall Prepare(const std::string& method, const std::string& target);
  static ApiReply Open(HttpAnswer answer);

  ApiAddress address_;
  std::string token_;
};

// A path segment with everything but A-Z a-z 0-9 - _ . ~ percent-encoded,
// so that a name or id given by a user cannot change the path.
std::string PathSegment(std::string_view text);

}  // namespace coyotes

#endif  // COYOTES_CTL_API_CLIENT_H_
