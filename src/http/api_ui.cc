// The dashboard's static files (http/ui_assets.h): GET /ui redirects to
// /ui/, which is index.html; /ui/app.js and the others are served by name.
// They hold no data, so they need no token: the page asks for one when an
// API call answers 401. The headers keep the page to its own files: no
// script or style from elsewhere or inline (Content-Security-Policy), no
// framing, no guessing of types; no-cache makes a new binary's page load
// at once.
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <string>

#include "http/api_handlers.h"
#include "http/http_server.h"
#include "http/ui_assets.h"

namespace coyotes {

namespace {

void AddCommonHeaders(evhttp_request* req) {
  evkeyvalq* h = evhttp_request_get_output_headers(req);
  evhttp_add_header(h, "Cache-Control", "no-cache");
  evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
  evhttp_add_header(h, "X-Frame-Options", "DENY");
  evhttp_add_header(h, "Content-Security-Policy",
                    "default-src 'self'; frame-ancestors 'none'; "
                    "base-uri 'none'; form-action 'none'");
  evhttp_add_header(h, "Referrer-Policy", "no-referrer");
}

void SendAsset(evhttp_request* req, std::string_view name) {
  const UiAsset* a = FindUiAsset(name);
  if (a == nullptr) {
    SendJson(req, 404, "no such file: /ui/" + std::string(name), nullptr);
    return;
  }
  AddCommonHeaders(req);
  SendText(req, 200, std::string(a->content_type).c_str(),
           std::string(a->content));
}

}  // namespace

void GetUi(const ApiContext&, const Request& r) {
  // The route's path is "/ui" with or without the slash (routes.h drops
  // empty segments); the page's relative links need the slash.
  const evhttp_uri* uri = evhttp_request_get_evhttp_uri(r.req);
  const char* path = uri ? evhttp_uri_get_path(uri) : nullptr;
  std::string p = path ? path : "";
  if (p.empty() || p.back() != '/') {
    evkeyvalq* h = evhttp_request_get_output_headers(r.req);
    evhttp_add_header(h, "Location", "/ui/");
    SendJson(r.req, 301, "moved to /ui/", nullptr);
    return;
  }
  SendAsset(r.req, "index.html");
}

void GetUiAsset(const ApiContext&, const Request& r) {
  // The route matched, so the path splits and has a last segment: the
  // file's name, decoded.
  const char* path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(r.req));
  auto segs = SplitPath(path ? path : "");
  SendAsset(r.req, segs.ok() && !segs->empty() ? segs->back() : "");
}

}  // namespace coyotes
