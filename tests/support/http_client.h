// A minimal blocking HTTP/1.1 client over loopback TCP, for tests of the
// daemon's HTTP API. One request per connection ("Connection: close").
#ifndef COYOTES_TESTS_SUPPORT_HTTP_CLIENT_H_
#define COYOTES_TESTS_SUPPORT_HTTP_CLIENT_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coyotes::testing {

struct HttpResponse {
  int status = 0;  // 0: no (complete) response; see `error`
  // Lowercased names; a repeated header's values joined by ", ".
  std::map<std::string, std::string> headers;
  std::string body;   // chunked transfer coding already removed
  std::string error;  // empty on success; else what went wrong
};

// Sends `method path HTTP/1.1` to 127.0.0.1:port with Host, Connection:
// close, Content-Length (when `body` is nonempty or the method is POST, PUT
// or PATCH) and `headers` (a header given there replaces the default of the
// same name), then reads and parses the response. On connect failure,
// timeout or a malformed or truncated response, status is 0 and `error`
// says why.
HttpResponse HttpRequest(
    int port, const std::string& method, const std::string& path,
    const std::string& body = "",
    const std::vector<std::pair<std::string, std::string>>& headers = {},
    double timeout_s = 10);

// Sends `raw_request` verbatim and reads the response as HttpRequest does
// (until the response is complete or the server closes). If the request's
// method is HEAD, the response has no body.
HttpResponse HttpRaw(int port, const std::string& raw_request,
                     double timeout_s = 10);

// A GET whose answer is read as it comes (a streamed, chunked body): the
// request is sent at construction; ReadUntil reads until a condition on
// the response so far holds. Hanging up is closing the socket (Close or
// the destructor).
class HttpStream {
 public:
  HttpStream(
      int port, const std::string& path,
      const std::vector<std::pair<std::string, std::string>>& headers = {});
  ~HttpStream();
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;

  // Reads until `done(response())` holds (true), or the response is
  // complete, the server closes or `timeout_s` passes (false unless
  // `done` holds then).
  bool ReadUntil(const std::function<bool(const HttpResponse&)>& done,
                 double timeout_s);
  // The whole response has arrived.
  bool complete() const { return complete_; }
  // What arrived so far: status and headers once they are in; the body
  // decoded as far as it came.
  const HttpResponse& response() const { return response_; }
  void Close();

 private:
  int fd_ = -1;
  std::string data_;
  bool complete_ = false, eof_ = false;
  HttpResponse response_;
};

// Percent-encodes everything but the unreserved characters
// A-Z a-z 0-9 - _ . ~ (a space becomes %20), for query strings and
// application/x-www-form-urlencoded bodies.
std::string UrlEncode(std::string_view text);

}  // namespace coyotes::testing

#endif  // COYOTES_TESTS_SUPPORT_HTTP_CLIENT_H_
