// A keep-alive HTTP/1.1 client on loopback, just enough for the bench's
// POSTs: a request is sent, then its answer read (Content-Length or
// chunked). Any error closes the connection for good; ok() says whether it
// is still usable.
#ifndef COYOTES_BENCH_HTTP_CLIENT_H_
#define COYOTES_BENCH_HTTP_CLIENT_H_

#include <string>

namespace bench {

// Owns one socket from connect to close; not copyable. After an error every
// call fails at once, so a caller replaces the connection (latency does)
// or counts the failures (throughput_http does) rather than retrying.
class HttpConn {
 public:
  explicit HttpConn(int port);
  ~HttpConn();
  HttpConn(const HttpConn&) = delete;
  HttpConn& operator=(const HttpConn&) = delete;
  bool ok() const { return fd_ >= 0; }

  // A form POST request: "Content-Type: application/x-www-form-urlencoded".
  static std::string PostForm(const std::string& path, const std::string& body);

  bool Send(const std::string& req);

  // The next response's status (0 on error); its body in *body if given.
  int Read(std::string* body = nullptr);

 private:
  bool Fill();
  bool Fail();
  int fd_ = -1;
  std::string buf_;
};

}  // namespace bench

#endif  // COYOTES_BENCH_HTTP_CLIENT_H_
