// An http:// URL that a completion callback is POSTed to: checked when the
// task is accepted (so that a bad one is refused to its producer, not
// found out a day later), and split again when it is delivered.
#ifndef COYOTES_BASE_HTTP_URL_H_
#define COYOTES_BASE_HTTP_URL_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace coyotes {

inline constexpr size_t kMaxCallbackUrlLength = 2048;

struct HttpUrl {
  std::string host;  // a name, an IPv4 address, or an IPv6 one unbracketed
  int port = 80;
  std::string path;       // with the query; "/" when the URL has none
  std::string authority;  // host[:port] as written: the Host header
};

// http://HOST[:PORT][/PATH][?QUERY], printable ASCII only (percent-encode
// the rest), at most kMaxCallbackUrlLength bytes; a #fragment is dropped,
// as a browser does. No user:password@ (a secret in a URL ends up in
// records and logs) and no https:// (not built in). InvalidArgument says
// which part is wrong.
Result<HttpUrl> ParseHttpUrl(std::string_view url);

// --callback-hosts: whether `url` (valid) names an allowed host. Entries
// are host names or addresses, matched whole and without case, or
// "*.example.com" for every name under example.com; an empty list allows
// every host. InvalidArgument names the host.
Status CheckCallbackHost(std::string_view url,
                         const std::vector<std::string>& allowed);

}  // namespace coyotes

#endif  // COYOTES_BASE_HTTP_URL_H_
