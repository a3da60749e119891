#include "ctl/api_client.h"

#include <cstdio>

namespace coyotes {

std::string PathSegment(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

ApiClient::ApiClient(ApiAddress address, std::string token)
    : address_(std::move(address)), token_(std::move(token)) {}

HttpCall ApiClient::Prepare(const std::string& method,
                            const std::string& target) {
  HttpCall c;
  c.method = method;
  c.target = target;
  c.headers.emplace_back("Accept", "application/json");
  // The token was checked to be one line without blanks when it was read,
  // so it cannot add a header of its own.
  if (!token_.empty())
    c.headers.emplace_back("Authorization", "Bearer " + token_);
  return c;
}

ApiReply ApiClient::Open(HttpAnswer answer) {
  ApiReply r;
  r.status = answer.status;
  json_error_t err;
  // A task's output in a record may hold NUL bytes (\u0000).
  JsonPtr root(json_loadb(answer.body.data(), answer.body.size(),
                          JSON_DECODE_ANY | JSON_ALLOW_NUL, &err));
  const char* message =
      json_string_value(json_object_get(root.get(), "message"));
  if (json_is_object(root.get()) && message != nullptr) {
    r.message = message;
    json_t* data = json_object_get(root.get(), "data");
    r.data.reset(data != nullptr ? json_incref(data) : json_null());
  } else {
    // Not our envelope: a proxy's page, GET /metrics, or evhttp's own
    // refusal of a body too large.
    r.message = "HTTP " + std::to_string(answer.status);
    r.data.reset(json_null());
  }
  r.text = std::move(answer.body);
  return r;
}

Result<ApiReply> ApiClient::Call(const std::string& method,
                                 const std::string& target, const json_t* body,
                                 double wait_s) {
  HttpCall c = Prepare(method, target);
  if (body != nullptr) {
    c.headers.emplace_back("Content-Type", "application/json");
    c.body = JsonDump(body);
  }
  c.idle_timeout_s += wait_s;
  Result<HttpAnswer> a = SendHttp(address_, c);
  if (!a.ok()) return a.status();
  return Open(std::move(*a));
}

Result<ApiReply> ApiClient::Stream(const std::string& target,
                                   std::function<void(std::string_view)> sink) {
  HttpCall c = Prepare("GET", target);
  c.idle_timeout_s = 0;
  c.sink = std::move(sink);
  Result<HttpAnswer> a = SendHttp(address_, c);
  if (!a.ok()) return a.status();
  return Open(std::move(*a));
}

}  // namespace coyotes
