#include "http/http_server.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "base/json_util.h"
#include "base/log.h"
#include "http/metrics.h"

namespace coyotes {

Result<std::unique_ptr<HttpServer>> HttpServer::Listen(EventBase* base,
                                                       const HostPort& addr,
                                                       int64_t max_body,
                                                       Handler handler) {
  std::unique_ptr<HttpServer> s(new HttpServer());
  s->http_ = evhttp_new(base->get());
  if (s->http_ == nullptr) return Internal("evhttp_new failed");
  s->handler_ = std::move(handler);
  evhttp_set_max_body_size(s->http_, max_body);
  evhttp_set_max_headers_size(s->http_, 64 * 1024);
  evhttp_set_timeout(s->http_, 60);
  evhttp_set_allowed_methods(s->http_, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
                                           EVHTTP_REQ_DELETE | EVHTTP_REQ_PUT |
                                           EVHTTP_REQ_HEAD | EVHTTP_REQ_PATCH |
                                           EVHTTP_REQ_OPTIONS);
  evhttp_set_gencb(s->http_, &HttpServer::Trampoline, s.get());
  evhttp_bound_socket* sock = evhttp_bind_socket_with_handle(
      s->http_, addr.host.c_str(), static_cast<uint16_t>(addr.port));
  if (sock == nullptr)
    return Status::Errno("cannot listen on " + addr.ToString(), errno);
  // Learn the port the kernel picked for port 0.
  sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  s->bound_ = addr;
  if (getsockname(evhttp_bound_socket_get_fd(sock),
                  reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    if (ss.ss_family == AF_INET)
      s->bound_.port = ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    else if (ss.ss_family == AF_INET6)
      s->bound_.port = ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  }
  return s;
}

HttpServer::~HttpServer() {
  if (http_) evhttp_free(http_);
}

void HttpServer::Trampoline(evhttp_request* req, void* arg) noexcept {
  static_cast<HttpServer*>(arg)->handler_(req);
}

void SendJson(evhttp_request* req, int code, const std::string& message,
              json_t* data, const char* allow) {
  JsonPtr env(json_object());
  json_object_set_new(env.get(), "status_code", json_integer(code));
  json_object_set_new(env.get(), "message", JsonStringLossy(message));
  json_object_set_new(env.get(), "data", data ? data : json_null());
  std::string body = JsonDump(env.get());
  evkeyvalq* h = evhttp_request_get_output_headers(req);
  evhttp_add_header(h, "Content-Type", "application/json; charset=utf-8");
  if (allow) evhttp_add_header(h, "Allow", allow);
  evbuffer* buf = evbuffer_new();
  evbuffer_add(buf, body.data(), body.size());
  const char* reason = code == 200 ? "OK" : nullptr;
  CountHttpAnswer(code);
  evhttp_send_reply(req, code, reason, buf);
  evbuffer_free(buf);
}

void SetNoDelay(evhttp_request* req) {
  if (evhttp_connection* conn = evhttp_request_get_connection(req)) {
    if (bufferevent* bev = evhttp_connection_get_bufferevent(conn)) {
      int one = 1;
      evutil_socket_t fd = bufferevent_getfd(bev);
      if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
  }
}

void SendText(evhttp_request* req, int code, const char* content_type,
              const std::string& body) {
  // A body of many segments (GET /metrics: 150 KB with 1,000 channels)
  // would end with a small one that Nagle holds until the client's delayed
  // ACK, 40 ms later.
  SetNoDelay(req);
  evkeyvalq* h = evhttp_request_get_output_headers(req);
  evhttp_add_header(h, "Content-Type", content_type);
  evbuffer* buf = evbuffer_new();
  evbuffer_add(buf, body.data(), body.size());
  CountHttpAnswer(code);
  evhttp_send_reply(req, code, code == 200 ? "OK" : nullptr, buf);
  evbuffer_free(buf);
}

}  // namespace coyotes
