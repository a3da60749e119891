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
  evhttp_cmd_type m = evhttp_request_get_command(req);
  RouteMatch match = MatchRoute(ApiRoutes(), m, segs.value());
  // The token is checked before any other answer, so that a client without
  // one learns nothing, not even which paths exist; only the rows that hold
  // no data (GET /healthz, the dashboard's files) go without it.
  bool open = match.outcome == RouteMatch::kFound && !match.needs_token;
  if (tokens_ && !open && !Authorized(req, m)) return;
  auto q = ParseUrlEncoded(query);
  if (!q.ok()) {
    SendJson(req, 400, "query string: " + q.status().message(), nullptr);
    return;
  }
  VLOG(1) << MethodName(m) << " " << path;

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
  if (match.needs_redis && !api_.redis->connected()) {
    // The connection is being made (at start, or again after a loss): the
    // request waits for it, up to --redis-wait, rather than answer 503 to
    // a client that came a moment early. evhttp keeps the request until it
    // is answered, whatever its client does meanwhile.
    api_.redis->WhenConnected(
        api_.config.redis_wait_s,
        [api = &api_, handler = match.handler, request = std::move(request)] {
          handler(*api, request);
        });
    return;
  }
  match.handler(api_, request);
}

bool HttpApi::Authorized(evhttp_request* req, evhttp_cmd_type method) {
  const char* header = evhttp_find_header(evhttp_request_get_input_headers(req),
                                          "Authorization");
  switch (tokens_->Check(header, MethodName(method))) {
    case TokenTable::Verdict::kAllowed:
      return true;
    case TokenTable::Verdict::kReadOnly:
      SendJson(req, 403, "this token may only read (GET, HEAD)", nullptr);
      return false;
    case TokenTable::Verdict::kMissing:
    case TokenTable::Verdict::kUnknown:
      break;
  }
  evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
                    "Bearer realm=\"coyotes\"");
  SendJson(req, 401,
           header == nullptr ? "a bearer token is required"
                             : "unknown or malformed bearer token",
           nullptr);
  return false;
}

void HttpApi::SetTokens(TokenTable tokens, std::string path) {
  tokens_ = std::make_unique<TokenTable>(std::move(tokens));
  token_path_ = std::move(path);
}

void HttpApi::ReloadTokens() {
  if (!tokens_) return;
  auto fresh = TokenTable::Load(token_path_);
  if (!fresh.ok()) {
    LOGR(ERROR) << "--http-token-file: " << fresh.status().message()
                << "; keeping the " << tokens_->size() << " tokens read before";
    return;
  }
  *tokens_ = std::move(fresh.value());
  LOGR(INFO) << "--http-token-file: " << tokens_->size() << " tokens read";
}

}  // namespace coyotes
