#include "http/client_watch.h"

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sys/socket.h>

#include <cerrno>

namespace coyotes {

ClientWatch::ClientWatch(EventBase* base, evhttp_request* req,
                         std::function<void()> gone)
    : req_(req), gone_(std::move(gone)) {
  evhttp_connection* evcon = evhttp_request_get_connection(req);
  if (evcon == nullptr) return;
  evhttp_connection_set_closecb(evcon, &ClientWatch::OnClose, this);
  bufferevent* bev = evhttp_connection_get_bufferevent(evcon);
  const int fd = bev ? static_cast<int>(bufferevent_getfd(bev)) : -1;
  if (fd < 0) return;
  const bool early =
      event_base_get_features(base->get()) & EV_FEATURE_EARLY_CLOSE;
  watch_ = std::make_unique<Event>(base, fd,
                                   (early ? EV_CLOSED : EV_READ) | EV_PERSIST,
                                   [this, fd](short) { Peek(fd); });
  watch_->Add();
}

ClientWatch::~ClientWatch() {
  if (evhttp_connection* evcon = evhttp_request_get_connection(req_))
    evhttp_connection_set_closecb(evcon, nullptr, nullptr);
}

void ClientWatch::Peek(int fd) {
  char c;
  ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return;
  if (n > 0) {
    // The client sent more (a pipelined request) and is still there:
    // stop watching; evhttp's close callback still tells a close.
    watch_->Del();
    return;
  }
  Gone();  // end of file or an error: the client is gone
}

void ClientWatch::OnClose(evhttp_connection*, void* arg) noexcept {
  static_cast<ClientWatch*>(arg)->Gone();
}

void ClientWatch::Gone() {
  // Taken out first: the call may destroy this object.
  std::function<void()> gone = std::move(gone_);
  gone_ = nullptr;
  if (gone) gone();
}

}  // namespace coyotes
