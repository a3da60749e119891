// The HTTP API's route table and the pure function that matches a request
// against it. One table of (method, path pattern) -> handler gives dispatch,
// 404, 405 and the Allow header alike, so a new endpoint is one row here
// plus its handler (http/api_handlers.h). Matching sees only the method and
// the decoded path segments, so it is unit-tested without a server.
#ifndef COYOTES_HTTP_ROUTES_H_
#define COYOTES_HTTP_ROUTES_H_

#include <event2/http.h>

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace coyotes {

struct ApiContext;
struct Request;

// A handler answers at once or from a Redis callback; it must not keep a
// reference to the Request, which lives only for the call.
using Handler = void (*)(const ApiContext& api, const Request& r);

// One endpoint. In `pattern`, "{name}" matches one segment and makes it the
// path parameter `name`; its name also says how it is checked (routes.cc).
// `method` is GET, POST, PUT or DELETE; a GET row answers HEAD too. Where
// two rows match the same request, the earlier one wins (a literal segment
// goes before a parameter).
struct Route {
  evhttp_cmd_type method;
  const char* pattern;
  Handler handler;
  // Whether the handler needs Redis: such a request, while the master's
  // connection is being made, waits for it (--redis-wait). GET / and
  // /healthz answer at once, about a Redis that is down too.
  bool needs_redis = true;
  // Whether --http-token-file applies. Only what holds no data goes
  // without: GET /healthz (load balancers hold no token) and the
  // dashboard's static files (the page asks for the token itself).
  bool needs_token = true;
};

// Path parameters in path order.
using PathParams = std::vector<std::pair<std::string, std::string>>;

struct RouteMatch {
  enum Outcome {
    kFound,             // handler and params are set
    kNoEndpoint,        // 404: no row has this path
    kBadParam,          // status (400 or 404) and message are set
    kMethodNotAllowed,  // 405: allow is set
  };
  Outcome outcome = kNoEndpoint;
  Handler handler = nullptr;
  bool needs_redis = true;
  bool needs_token = true;
  PathParams params;
  int status = 0;
  std::string message;
  // The methods the path takes, as the Allow header lists them:
  // "GET, HEAD, POST, DELETE" order, HEAD wherever GET is.
  std::string allow;
};

// The API's table, every endpoint of coyotes(8) "HTTP API".
std::span<const Route> ApiRoutes();

// Matches `segments` (as SplitPath gives them) against `table`, in the
// order the API has always answered: an unknown path is 404; then the path
// parameters are checked, whatever the method (a bad channel name is 400, a
// malformed task id the 404 an unknown one gets); then the method, 405 with
// the path's Allow value when no row takes it.
RouteMatch MatchRoute(std::span<const Route> table, evhttp_cmd_type method,
                      const std::vector<std::string>& segments);

// Splits "/a/b%2Fc" into decoded segments {"a", "b/c"}. Empty segments are
// dropped, so "/channels/", "/channels//" and "/channels" are one path; an
// escaped "/" stays inside its segment. Error on a bad escape.
Result<std::vector<std::string>> SplitPath(const std::string& path);

// "GET", "POST", ...; "OTHER" for a method no route uses.
const char* MethodName(evhttp_cmd_type method);

}  // namespace coyotes

#endif  // COYOTES_HTTP_ROUTES_H_
