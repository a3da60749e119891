// The bench's HTTP client; see http_client.h.
#include "http_client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace bench {

HttpConn::HttpConn(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    std::fprintf(stderr, "connect 127.0.0.1:%d: %s\n", port,
                 std::strerror(errno));
    close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  timeval tv = {30, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

HttpConn::~HttpConn() {
  if (fd_ >= 0) close(fd_);
}

std::string HttpConn::PostForm(const std::string& path,
                               const std::string& body) {
  return "POST " + path +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
         "application/x-www-form-urlencoded\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

bool HttpConn::Send(const std::string& req) {
  if (fd_ < 0) return false;
  size_t off = 0;
  while (off < req.size()) {
    ssize_t n = write(fd_, req.data() + off, req.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Fail();
    off += static_cast<size_t>(n);
  }
  return true;
}

int HttpConn::Read(std::string* body) {
  if (fd_ < 0) return 0;
  size_t hdr_end;
  while ((hdr_end = buf_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill()) return Fail(), 0;
  }
  std::string head = buf_.substr(0, hdr_end);
  for (char& ch : head) ch = static_cast<char>(std::tolower(ch));
  int status = 0;
  if (head.size() > 12) status = std::atoi(head.c_str() + 9);
  bool chunked = head.find("transfer-encoding: chunked") != std::string::npos;
  bool closes = head.find("connection: close") != std::string::npos;
  long length = 0;
  size_t cl = head.find("content-length:");
  if (cl != std::string::npos) length = std::atol(head.c_str() + cl + 15);
  buf_.erase(0, hdr_end + 4);
  std::string b;
  if (chunked) {
    for (;;) {
      size_t eol;
      while ((eol = buf_.find("\r\n")) == std::string::npos)
        if (!Fill()) return Fail(), 0;
      long size = std::strtol(buf_.c_str(), nullptr, 16);
      while (buf_.size() < eol + 2 + size + 2)
        if (!Fill()) return Fail(), 0;
      b.append(buf_, eol + 2, size);
      buf_.erase(0, eol + 2 + size + 2);
      if (size == 0) break;
    }
  } else {
    while (buf_.size() < static_cast<size_t>(length))
      if (!Fill()) return Fail(), 0;
    b = buf_.substr(0, length);
    buf_.erase(0, length);
  }
  if (body) *body = std::move(b);
  if (closes) Fail();
  return status;
}

bool HttpConn::Fill() {
  char tmp[16384];
  for (;;) {
    ssize_t n = read(fd_, tmp, sizeof(tmp));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
}

bool HttpConn::Fail() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  return false;
}

}  // namespace bench
