#include "http/api_common.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "base/log.h"
#include "http/body.h"
#include "http/http_server.h"

namespace coyotes {

namespace {

std::string BodyOf(evhttp_request* req) {
  evbuffer* in = evhttp_request_get_input_buffer(req);
  size_t n = evbuffer_get_length(in);
  std::string body(n, '\0');
  if (n) evbuffer_copyout(in, body.data(), n);
  return body;
}

}  // namespace

const std::string& Request::Param(std::string_view name) const {
  for (const auto& [n, v] : params)
    if (n == name) return v;
  LOG(FATAL) << "route has no parameter {" << name << "}";
}

bool RedisUp(const ApiContext& api, evhttp_request* req) {
  if (api.redis->connected()) return true;
  SendJson(req, 503, "Redis is unavailable (" + api.redis->addr() + ")",
           nullptr);
  return false;
}

std::optional<Form> ReadForm(const ApiContext& api, evhttp_request* req) {
  std::string body = BodyOf(req);
  if (static_cast<int64_t>(body.size()) > api.config.http_max_body) {
    SendJson(req, 413,
             "request body of " + std::to_string(body.size()) +
                 " bytes is over --http-max-body (" +
                 std::to_string(api.config.http_max_body) + ")",
             nullptr);
    return std::nullopt;
  }
  const char* ct =
      evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
  bool unsupported = false;
  auto form = DecodeBody(ct ? ct : "", body, &unsupported);
  if (!form.ok()) {
    SendJson(req, unsupported ? 415 : 400, form.status().message(), nullptr);
    return std::nullopt;
  }
  return std::move(form.value());
}

void SendRedisError(evhttp_request* req, const Status& status) {
  SendJson(req, status.code() == StatusCode::kUnavailable ? 503 : 500,
           status.message(), nullptr);
}

std::string ReplyText(const redisReply* r) {
  return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
             ? std::string(r->str, r->len)
             : std::string();
}

std::vector<std::pair<std::string, std::string>> Pairs(const redisReply* r) {
  std::vector<std::pair<std::string, std::string>> out;
  if (r->type != REDIS_REPLY_ARRAY) return out;
  for (size_t i = 0; i + 1 < r->elements; i += 2)
    out.emplace_back(
        std::string(r->element[i]->str, r->element[i]->len),
        std::string(r->element[i + 1]->str, r->element[i + 1]->len));
  return out;
}

Result<Page> ParsePage(const Form& query) {
  Page p;
  auto number = [](const std::string* v, int64_t lo, int64_t hi, int64_t* out) {
    if (v == nullptr) return true;
    if (v->empty() || v->size() > 12 ||
        v->find_first_not_of("0123456789") != std::string::npos)
      return false;
    int64_t n = std::stoll(*v);
    if (n < lo || n > hi) return false;
    *out = n;
    return true;
  };
  if (!number(FormGet(query, "limit"), 0, 1000, &p.limit))
    return InvalidArgument("limit must be a whole number from 0 to 1000");
  if (!number(FormGet(query, "offset"), 0, 1000000000000, &p.offset))
    return InvalidArgument("offset must be a whole number, 0 or more");
  return p;
}

}  // namespace coyotes
