// The test HTTP client: plain sockets, poll(2) deadlines, a small response
// parser (Content-Length, chunked, or body until EOF).
#include "support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "support/wait.h"

namespace coyotes::testing {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

int MillisLeft(double deadline) {
  const double left = deadline - NowSeconds();
  if (left <= 0) return 0;
  return static_cast<int>(left * 1000) + 1;
}

class Socket {
 public:
  Socket() = default;
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // Non-blocking connect bounded by `deadline`. "" or the error.
  std::string Connect(int port, double deadline) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return std::string("socket: ") + std::strerror(errno);
    sockaddr_in addr;
    std::memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
      return "";
    }
    if (errno != EINPROGRESS) {
      return std::string("connect: ") + std::strerror(errno);
    }
    for (;;) {
      pollfd p = {fd_, POLLOUT, 0};
      const int n = poll(&p, 1, MillisLeft(deadline));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return std::string("poll: ") + std::strerror(errno);
      if (n == 0) return "connect: timeout";
      break;
    }
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
      err = errno;
    }
    if (err != 0) return std::string("connect: ") + std::strerror(err);
    return "";
  }

  std::string SendAll(std::string_view data, double deadline) {
    while (!data.empty()) {
      const ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        pollfd p = {fd_, POLLOUT, 0};
        const int r = poll(&p, 1, MillisLeft(deadline));
        if (r == 0) return "send: timeout";
        continue;
      }
      return std::string("send: ") + std::strerror(errno);
    }
    return "";
  }

  // Hands the descriptor over: this object no longer closes it.
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

  // Appends what arrives to `*data`. 1: got bytes, 0: EOF, -1: error or
  // timeout (message in `*error`).
  int Receive(std::string* data, double deadline, std::string* error) {
    for (;;) {
      char buf[16384];
      const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n > 0) {
        data->append(buf, static_cast<size_t>(n));
        return 1;
      }
      if (n == 0) return 0;
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd p = {fd_, POLLIN, 0};
        const int r = poll(&p, 1, MillisLeft(deadline));
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) {
          *error = "timeout waiting for the response";
          return -1;
        }
        continue;
      }
      // A reset after the server sent a full response still leaves the data
      // we read; the caller decides.
      *error = std::string("recv: ") + std::strerror(errno);
      return -1;
    }
  }

 private:
  int fd_ = -1;
};

enum class Parse { kComplete, kIncomplete, kBad };

// Decodes a chunked body starting at `data[pos]`. kComplete once the last
// chunk and trailers are in.
Parse DecodeChunked(const std::string& data, size_t pos, std::string* body,
                    std::string* error) {
  body->clear();
  for (;;) {
    const size_t eol = data.find("\r\n", pos);
    if (eol == std::string::npos) return Parse::kIncomplete;
    std::string size_text = data.substr(pos, eol - pos);
    const size_t semi = size_text.find(';');
    if (semi != std::string::npos) size_text.resize(semi);
    size_text = std::string(Trim(size_text));
    char* end = nullptr;
    const unsigned long long size = std::strtoull(size_text.c_str(), &end, 16);
    if (size_text.empty() || *end != '\0' ||
        !std::isxdigit(static_cast<unsigned char>(size_text[0]))) {
      *error = "bad chunk size line: " + data.substr(pos, eol - pos);
      return Parse::kBad;
    }
    pos = eol + 2;
    if (size == 0) {
      // Trailers, then an empty line.
      for (;;) {
        const size_t line_end = data.find("\r\n", pos);
        if (line_end == std::string::npos) return Parse::kIncomplete;
        if (line_end == pos) return Parse::kComplete;
        pos = line_end + 2;
      }
    }
    if (data.size() - pos < size + 2) return Parse::kIncomplete;
    body->append(data, pos, size);
    pos += size;
    if (data.compare(pos, 2, "\r\n") != 0) {
      *error = "chunk not followed by CRLF";
      return Parse::kBad;
    }
    pos += 2;
  }
}

// Parses `data` (everything received so far) into `*out`. `eof`: the server
// closed, so a body without framing is complete.
Parse ParseResponse(const std::string& data, bool eof, bool head_request,
                    HttpResponse* out) {
  size_t start = 0;
  for (;;) {
    const size_t head_end = data.find("\r\n\r\n", start);
    if (head_end == std::string::npos) return Parse::kIncomplete;
    const std::string_view head(data.data() + start, head_end - start);
    const size_t status_end = head.find("\r\n");
    const std::string_view status_line = head.substr(0, status_end);
    // "HTTP/1.1 200 OK"
    if (status_line.substr(0, 5) != "HTTP/" || status_line.size() < 12 ||
        status_line[8] != ' ') {
      out->error = "bad status line: " + std::string(status_line);
      return Parse::kBad;
    }
    const std::string code(status_line.substr(9, 3));
    if (!std::all_of(code.begin(), code.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      out->error = "bad status line: " + std::string(status_line);
      return Parse::kBad;
    }
    out->status = std::atoi(code.c_str());
    out->headers.clear();
    size_t pos =
        status_end == std::string_view::npos ? head.size() : status_end + 2;
    while (pos < head.size()) {
      size_t line_end = head.find("\r\n", pos);
      if (line_end == std::string_view::npos) line_end = head.size();
      const std::string_view line = head.substr(pos, line_end - pos);
      pos = line_end + 2;
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos) {
        out->error = "bad header line: " + std::string(line);
        return Parse::kBad;
      }
      const std::string name = Lower(Trim(line.substr(0, colon)));
      const std::string value(Trim(line.substr(colon + 1)));
      auto [it, inserted] = out->headers.emplace(name, value);
      if (!inserted) it->second += ", " + value;
    }
    const size_t body_start = head_end + 4;
    if (out->status >= 100 && out->status < 200 && out->status != 101) {
      start = body_start;  // an interim response: the real one follows
      continue;
    }
    out->body.clear();
    if (head_request || out->status == 204 || out->status == 304 ||
        out->status == 101) {
      return Parse::kComplete;
    }
    auto te = out->headers.find("transfer-encoding");
    if (te != out->headers.end() &&
        Lower(te->second).find("chunked") != std::string::npos) {
      return DecodeChunked(data, body_start, &out->body, &out->error);
    }
    auto cl = out->headers.find("content-length");
    if (cl != out->headers.end()) {
      char* end = nullptr;
      const unsigned long long length =
          std::strtoull(cl->second.c_str(), &end, 10);
      if (cl->second.empty() || *end != '\0') {
        out->error = "bad Content-Length: " + cl->second;
        return Parse::kBad;
      }
      if (data.size() - body_start < length) return Parse::kIncomplete;
      out->body = data.substr(body_start, length);
      return Parse::kComplete;
    }
    if (!eof) return Parse::kIncomplete;
    out->body = data.substr(body_start);
    return Parse::kComplete;
  }
}

HttpResponse Exchange(int port, std::string_view request, bool head_request,
                      double timeout_s) {
  HttpResponse response;
  const double deadline = NowSeconds() + timeout_s;
  Socket sock;
  response.error = sock.Connect(port, deadline);
  if (!response.error.empty()) return response;
  response.error = sock.SendAll(request, deadline);
  // A server may answer and close before reading everything (e.g. 413):
  // still read what it sent.
  const std::string send_error = response.error;
  response.error.clear();

  std::string data;
  bool eof = false;
  std::string recv_error;
  for (;;) {
    const Parse parsed = ParseResponse(data, eof, head_request, &response);
    if (parsed == Parse::kComplete) {
      response.error.clear();
      return response;
    }
    if (parsed == Parse::kBad) break;
    if (!recv_error.empty()) {
      response.error = recv_error;
      break;
    }
    if (eof) {
      response.error = data.empty() && !send_error.empty()
                           ? send_error
                           : "connection closed before the response was "
                             "complete";
      break;
    }
    const int r = sock.Receive(&data, deadline, &recv_error);
    if (r == 0) eof = true;
  }
  // Failure: status 0, and keep what arrived for the test's message.
  response.status = 0;
  if (!data.empty()) {
    response.error += " (received " + std::to_string(data.size()) +
                      " bytes: " + data.substr(0, 300) + ")";
  }
  return response;
}

bool SameName(const std::string& a, const char* b) {
  return Lower(a) == Lower(b);
}

}  // namespace

HttpResponse HttpRequest(
    int port, const std::string& method, const std::string& path,
    const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers,
    double timeout_s) {
  auto given = [&](const char* name) {
    return std::any_of(headers.begin(), headers.end(),
                       [&](const auto& h) { return SameName(h.first, name); });
  };
  std::string request = method + " " + path + " HTTP/1.1\r\n";
  if (!given("Host")) {
    request += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  }
  for (const auto& [name, value] : headers) {
    request += name + ": " + value + "\r\n";
  }
  const bool wants_length =
      !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (wants_length && !given("Content-Length") && !given("Transfer-Encoding")) {
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  if (!given("Connection")) request += "Connection: close\r\n";
  request += "\r\n";
  request += body;
  return Exchange(port, request, method == "HEAD", timeout_s);
}

HttpResponse HttpRaw(int port, const std::string& raw_request,
                     double timeout_s) {
  const bool head = raw_request.compare(0, 5, "HEAD ") == 0;
  return Exchange(port, raw_request, head, timeout_s);
}

HttpStream::HttpStream(
    int port, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  const double deadline = NowSeconds() + 10;
  Socket sock;
  std::string request = "GET " + path +
                        " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers)
    request += name + ": " + value + "\r\n";
  request += "\r\n";
  response_.error = sock.Connect(port, deadline);
  if (response_.error.empty())
    response_.error = sock.SendAll(request, deadline);
  if (response_.error.empty()) fd_ = sock.Release();
}

HttpStream::~HttpStream() { Close(); }

void HttpStream::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool HttpStream::ReadUntil(const std::function<bool(const HttpResponse&)>& done,
                           double timeout_s) {
  const double deadline = NowSeconds() + timeout_s;
  for (;;) {
    if (!complete_ && !data_.empty()) {
      HttpResponse parsed;
      Parse p = ParseResponse(data_, eof_, false, &parsed);
      complete_ = p == Parse::kComplete;
      response_ = std::move(parsed);
      if (p == Parse::kBad) return done(response_);
    }
    if (done(response_)) return true;
    if (complete_ || eof_ || fd_ < 0 || NowSeconds() >= deadline) return false;
    pollfd p = {fd_, POLLIN, 0};
    if (poll(&p, 1, MillisLeft(deadline)) <= 0) continue;
    char buf[16384];
    const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n > 0) data_.append(buf, static_cast<size_t>(n));
    if (n == 0) eof_ = true;
    if (n < 0 && errno != EINTR && errno != EAGAIN) eof_ = true;
  }
}

std::string UrlEncode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                            c == '.' || c == '~';
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace coyotes::testing
