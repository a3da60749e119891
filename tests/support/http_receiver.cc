#include "support/http_receiver.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>

namespace coyotes::testing {

std::unique_ptr<HttpReceiver> HttpReceiver::Start(int port) {
  std::unique_ptr<HttpReceiver> r(new HttpReceiver());
  r->listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (r->listen_fd_ < 0) return nullptr;
  int one = 1;
  setsockopt(r->listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(r->listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      listen(r->listen_fd_, 128) != 0)
    return nullptr;
  socklen_t len = sizeof a;
  getsockname(r->listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  r->port_ = ntohs(a.sin_port);
  if (pipe2(r->wake_, O_CLOEXEC) != 0) return nullptr;
  r->acceptor_ = std::thread([p = r.get()] { p->AcceptLoop(); });
  return r;
}

HttpReceiver::~HttpReceiver() {
  stopping_ = true;
  {
    std::lock_guard<std::mutex> l(mu_);
    hold_ = false;
  }
  cv_.notify_all();
  if (wake_[1] >= 0 && write(wake_[1], "x", 1) < 0) {
  }
  if (acceptor_.joinable()) acceptor_.join();
  for (auto& t : servers_) t.join();
  for (int fd : {listen_fd_, wake_[0], wake_[1]})
    if (fd >= 0) close(fd);
}

void HttpReceiver::set_hold(bool hold) {
  {
    std::lock_guard<std::mutex> l(mu_);
    hold_ = hold;
  }
  cv_.notify_all();
}

std::vector<HttpReceiver::Request> HttpReceiver::requests() {
  std::lock_guard<std::mutex> l(mu_);
  return requests_;
}

size_t HttpReceiver::count() {
  std::lock_guard<std::mutex> l(mu_);
  return requests_.size();
}

void HttpReceiver::AcceptLoop() {
  while (!stopping_) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (poll(p, 2, -1) < 0) continue;
    if (p[1].revents) return;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    servers_.emplace_back([this, fd] { Serve(fd); });
  }
}

void HttpReceiver::Serve(int fd) {
  int now = ++open_;
  for (int m = max_open_; now > m && !max_open_.compare_exchange_weak(m, now);)
    ;
  std::string in;
  Request req;
  size_t need = std::string::npos;  // bytes of head + body
  size_t body_at = 0;
  char buf[65536];
  while (in.size() < need) {
    pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) {
      if (stopping_) break;
      continue;
    }
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
    if (need != std::string::npos) continue;
    size_t end = in.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    std::string head = in.substr(0, end);
    size_t line_end = head.find("\r\n");
    std::string first = head.substr(0, line_end);
    size_t sp1 = first.find(' '), sp2 = first.rfind(' ');
    req.method = first.substr(0, sp1);
    req.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t at = line_end == std::string::npos ? head.size() : line_end + 2;
    while (at < head.size()) {
      size_t e = head.find("\r\n", at);
      if (e == std::string::npos) e = head.size();
      std::string line = head.substr(at, e - at);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(c));
        size_t v = line.find_first_not_of(' ', colon + 1);
        req.headers[name] = v == std::string::npos ? "" : line.substr(v);
      }
      at = e + 2;
    }
    body_at = end + 4;
    need = body_at +
           std::strtoul(req.headers["content-length"].c_str(), nullptr, 10);
  }
  if (need != std::string::npos && in.size() >= need) {
    req.body = in.substr(body_at, need - body_at);
    std::unique_lock<std::mutex> l(mu_);
    requests_.push_back(req);
    cv_.wait(l, [this] { return !hold_ || stopping_; });
    l.unlock();
    if (!stopping_) {
      int code = status_;
      std::string answer = "HTTP/1.1 " + std::to_string(code) +
                           (code < 300 ? " OK" : " Nope") +
                           "\r\nContent-Length: 2\r\nConnection: close"
                           "\r\n\r\nok";
      if (write(fd, answer.data(), answer.size()) < 0) {
      }
    }
  }
  --open_;
  close(fd);
}

}  // namespace coyotes::testing
