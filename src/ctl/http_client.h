// A small blocking HTTP/1.1 client on plain sockets, enough for the
// daemon's API: one request per connection ("Connection: close"), the
// address from getaddrinfo (IPv4 or IPv6), every wait bounded by poll.
// Any failure to get a whole response is kUnavailable, so that the caller
// can tell "cannot reach the daemon" (exit 69) from "the daemon said no".
#ifndef COYOTES_CTL_HTTP_CLIENT_H_
#define COYOTES_CTL_HTTP_CLIENT_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace coyotes {

// Where the daemon's API is: http://HOST:PORT[/prefix] (a reverse proxy
// may serve it under a prefix).
struct ApiAddress {
  std::string url;        // as given, for messages
  std::string host;       // unbracketed for IPv6
  std::string port;       // decimal, for getaddrinfo
  std::string authority;  // the Host header
  std::string prefix;     // "" or "/path" without a trailing "/"
};

// InvalidArgument for anything but http://HOST[:PORT][/PREFIX] (no query,
// no user:password@).
Result<ApiAddress> ParseApiAddress(std::string_view url);

struct HttpCall {
  std::string method = "GET";
  std::string target;  // path and query, appended to the prefix
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent with Content-Length when nonempty or POST
  double connect_timeout_s = 10;
  // The longest wait for the next bytes of the answer; 0 waits for ever
  // (a followed log may stay silent as long as its task does).
  double idle_timeout_s = 30;
  // With a sink, the body of a 2xx answer goes there as it arrives and is
  // not kept; other answers are kept whole (their body is an error).
  std::function<void(std::string_view)> sink;
};

struct HttpAnswer {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercased names
  std::string body;
};

// kUnavailable, naming the URL, when the host does not resolve, nothing
// listens, a wait times out, or the answer is cut or not HTTP.
Result<HttpAnswer> SendHttp(const ApiAddress& address, const HttpCall& call);

}  // namespace coyotes

#endif  // COYOTES_CTL_HTTP_CLIENT_H_
