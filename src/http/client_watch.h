// ClientWatch: tells that the client of a request we have not finished
// answering has gone away (?wait=, a followed output stream).
//
// evhttp does not read from a connection while its request waits for our
// answer, so it learns of the peer's close only when it next writes. The
// socket is watched here instead: EV_CLOSED where the backend tells a
// peer's close apart (epoll), else any readability, told apart with a
// peek; evhttp's own close callback covers the rest.
#ifndef COYOTES_HTTP_CLIENT_WATCH_H_
#define COYOTES_HTTP_CLIENT_WATCH_H_

#include <event2/http.h>

#include <functional>
#include <memory>

#include "base/event_loop.h"

namespace coyotes {

class ClientWatch {
 public:
  // `gone` is called at most once, from the loop; it may destroy this.
  ClientWatch(EventBase* base, evhttp_request* req, std::function<void()> gone);
  ~ClientWatch();
  ClientWatch(const ClientWatch&) = delete;
  ClientWatch& operator=(const ClientWatch&) = delete;

 private:
  static void OnClose(evhttp_connection* evcon, void* arg) noexcept;
  void Peek(int fd);
  void Gone();

  evhttp_request* req_;
  std::function<void()> gone_;
  std::unique_ptr<Event> watch_;
};

}  // namespace coyotes

#endif  // COYOTES_HTTP_CLIENT_WATCH_H_
