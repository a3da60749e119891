#include "ctl/http_client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>

#include "base/http_url.h"
#include "base/unique_fd.h"
#include "ctl/http_response.h"

namespace coyotes {

namespace {

struct AddrInfoFree {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoFree>;

double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Milliseconds left until `deadline` for poll; -1 (for ever) when
// `deadline` is 0.
int PollMs(double deadline) {
  if (deadline == 0) return -1;
  const double left = deadline - Now();
  return left <= 0 ? 0 : static_cast<int>(left * 1000) + 1;
}

// Waits for `events` on `fd` until `deadline`; false on timeout, with
// errno set to ETIMEDOUT.
bool WaitFd(int fd, short events, double deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = poll(&p, 1, PollMs(deadline));
    if (n > 0) return true;
    if (n == 0) {
      errno = ETIMEDOUT;
      return false;
    }
    if (errno != EINTR) return false;
  }
}

// A connected non-blocking socket to one of the addresses of `a`.
Result<UniqueFd> Connect(const ApiAddress& a, double timeout_s) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* raw = nullptr;
  const int rc = getaddrinfo(a.host.c_str(), a.port.c_str(), &hints, &raw);
  if (rc != 0)
    return Unavailable("cannot resolve " + a.host + ": " + gai_strerror(rc));
  AddrInfoPtr list(raw);
  std::string why = "no address";
  const double deadline = Now() + timeout_s;
  for (addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    UniqueFd fd(socket(ai->ai_family,
                       ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                       ai->ai_protocol));
    if (!fd.valid()) {
      why = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    int err = 0;
    if (connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        if (!WaitFd(fd.get(), POLLOUT, deadline)) {
          err = errno;
        } else {
          socklen_t len = sizeof err;
          if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
        }
      }
    }
    if (err == 0) return fd;
    why = std::strerror(err);
  }
  return Unavailable(why);
}

Status SendAll(int fd, std::string_view data, double timeout_s) {
  const double deadline = Now() + timeout_s;
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitFd(fd, POLLOUT, deadline)) return Status::Errno("send", errno);
      continue;
    }
    return Status::Errno("send", errno);
  }
  return Status::Ok();
}

std::string RequestText(const ApiAddress& a, const HttpCall& c) {
  std::string r = c.method + " " + a.prefix + c.target + " HTTP/1.1\r\n";
  r += "Host: " + a.authority + "\r\n";
  r += "User-Agent: coyotesctl/" PACKAGE_VERSION "\r\n";
  r += "Connection: close\r\n";
  for (const auto& [name, value] : c.headers) r += name + ": " + value + "\r\n";
  if (!c.body.empty() || c.method == "POST" || c.method == "PUT")
    r += "Content-Length: " + std::to_string(c.body.size()) + "\r\n";
  r += "\r\n";
  r += c.body;
  return r;
}

}  // namespace

Result<ApiAddress> ParseApiAddress(std::string_view url) {
  Result<HttpUrl> u = ParseHttpUrl(url);
  if (!u.ok()) return InvalidArgument("--url: " + u.status().message());
  if (u->path.find('?') != std::string::npos)
    return InvalidArgument("--url: a query is not allowed: " +
                           std::string(url));
  ApiAddress a;
  a.url = std::string(url);
  a.host = u->host;
  a.port = std::to_string(u->port);
  a.authority = u->authority;
  a.prefix = u->path;
  while (!a.prefix.empty() && a.prefix.back() == '/') a.prefix.pop_back();
  return a;
}

Result<HttpAnswer> SendHttp(const ApiAddress& address, const HttpCall& call) {
  auto unreachable = [&](const std::string& why) {
    return Unavailable("cannot reach the daemon at " + address.url + ": " +
                       why);
  };
  Result<UniqueFd> fd = Connect(address, call.connect_timeout_s);
  if (!fd.ok()) return unreachable(fd.status().message());
  Status s = SendAll(fd->get(), RequestText(address, call),
                     call.connect_timeout_s + 20);
  if (!s.ok()) return unreachable(s.message());

  HttpResponseParser parser;
  // With a sink, only a 2xx body streams; the body of a refusal is kept
  // for its message. The parser calls this once the head is known.
  std::string kept;
  if (call.sink) {
    parser.set_sink([&](std::string_view bytes) {
      if (parser.status() / 100 == 2)
        call.sink(bytes);
      else if (kept.size() < HttpResponseParser::kMaxHeadBytes)
        kept.append(bytes);
    });
  }
  char buf[16384];
  while (!parser.done()) {
    const double deadline =
        call.idle_timeout_s > 0 ? Now() + call.idle_timeout_s : 0;
    if (!WaitFd(fd->get(), POLLIN, deadline)) {
      const int err = errno;
      return unreachable(err == ETIMEDOUT ? "no answer in time"
                                          : std::strerror(err));
    }
    const ssize_t n = read(fd->get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return unreachable(std::strerror(errno));
    }
    s = n == 0 ? parser.Finish()
               : parser.Feed(std::string_view(buf, static_cast<size_t>(n)));
    if (!s.ok()) return unreachable(s.message());
    if (n == 0) break;
  }
  HttpAnswer answer;
  answer.status = parser.status();
  answer.headers = parser.headers();
  answer.body = call.sink ? std::move(kept) : parser.body();
  return answer;
}

}  // namespace coyotes
