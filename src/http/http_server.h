// HttpServer: the master's evhttp listener, RAII.
//
// Binds at start (before workers are forked, so a busy port fails the start
// with a clear message) and hands every request to one handler. A request
// may be answered later, from a Redis callback: HttpRequest carries it, and
// evhttp keeps a request whose client went away until we answer (then frees
// it), so a late answer is always safe.
#ifndef COYOTES_HTTP_HTTP_SERVER_H_
#define COYOTES_HTTP_HTTP_SERVER_H_

#include <event2/http.h>
#include <jansson.h>

#include <functional>
#include <memory>
#include <string>

#include "base/config.h"
#include "base/event_loop.h"
#include "base/status.h"

namespace coyotes {

class HttpServer {
 public:
  using Handler = std::function<void(evhttp_request*)>;

  static Result<std::unique_ptr<HttpServer>> Listen(EventBase* base,
                                                    const HostPort& addr,
                                                    int64_t max_body,
                                                    Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;

  // The address actually bound (port 0 asks the kernel for a free one).
  const HostPort& bound() const { return bound_; }

 private:
  HttpServer() = default;
  static void Trampoline(evhttp_request* req, void* arg) noexcept;
  evhttp* http_ = nullptr;
  HostPort bound_;
  Handler handler_;
};

// Sends the JSON envelope {"status_code":N,"message":M,"data":D} with the
// original's Content-Type. Takes ownership of `data` (may be null).
void SendJson(evhttp_request* req, int code, const std::string& message,
              json_t* data, const char* allow = nullptr);
// Turns Nagle off on the request's connection: for an answer whose last
// or only segment is small and must not wait for the client's delayed ACK.
void SetNoDelay(evhttp_request* req);
// Sends `body` as it is (GET /metrics).
void SendText(evhttp_request* req, int code, const char* content_type,
              const std::string& body);

}  // namespace coyotes

#endif  // COYOTES_HTTP_HTTP_SERVER_H_
