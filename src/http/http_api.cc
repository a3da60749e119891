#include "http/http_api.h"

#include <string>
#include <utility>

#include "base/log.h"
#include "http/form.h"
#include "http/http_server.h"
#include "http/routes.h"

namespace coyotes {

void HttpApi::Handle(evhttp_request* req) {
  const char* uri = evhttp_request_get_uri(req);
  evhttp_uri* parsed =
      evhttp_uri_parse_with_flags(uri, EVHTTP_URI_NONCONFORMANT);
  if (parsed == nullptr) {
    SendJson(req, 400, "malformed request URI", nullptr);
    return;
  }
  std::string path =
      evhttp_uri_get_path(parsed) ? evhttp_uri_get_path(parsed) : "/";
  std::string query =
      evhttp_uri_get_query(parsed) ? evhttp_uri_get_query(parsed) : "";
  evhttp_uri_free(parsed);
  auto segs = SplitPath(path);
  if (!segs.ok()) {
    SendJson(req, 400, segs.status().message(), nullptr);
    return;
  }
  auto q = ParseUrlEncoded(query);
  if (!q.ok()) {
    SendJson(req, 400, "query string: " + q.status().message(), nullptr);
    return;
  }
  evhttp_cmd_type m = evhttp_request_get_command(req);
  VLOG(1) << MethodName(m) << " " << path;

  RouteMatch match = MatchRoute(ApiRoutes(), m, segs.value());
  switch (match.outcome) {
    case RouteMatch::kNoEndpoint:
      SendJson(req, 404, "no such endpoint: " + path, nullptr);
      return;
    case RouteMatch::kBadParam:
      SendJson(req, match.status, match.message, nullptr);
      return;
    case RouteMatch::kMethodNotAllowed:
      SendJson(req, 405, "method not allowed; use " + match.allow, nullptr,
               match.allow.c_str());
      return;
    case RouteMatch::kFound:
      break;
  }
  Request request{req, std::move(match.params), std::move(q.value())};
  match.handler(api_, request);
}

}  // namespace coyotes
