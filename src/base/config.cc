// HostPort, the one address syntax of every flag that names a peer.
#include "base/config.h"

#include <arpa/inet.h>
#include <sys/un.h>

#include <cstdlib>

namespace coyotes {

std::string HostPort::ToString() const {
  if (is_unix()) return "unix:" + unix_path;
  return host + ":" + std::to_string(port);
}

Result<HostPort> ParseHostPort(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos)
    return InvalidArgument("'" + text + "' has no port (host:port)");
  HostPort hp;
  hp.host = text.substr(0, colon);
  if (hp.host.size() >= 2 && hp.host.front() == '[' && hp.host.back() == ']')
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  if (hp.host.empty()) hp.host = "0.0.0.0";
  std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos)
    return InvalidArgument("'" + text + "' has no valid port");
  hp.port = std::atoi(port.c_str());
  if (hp.port > 65535)
    return InvalidArgument("'" + text + "': port out of range");
  return hp;
}

Result<HostPort> ParseRedisAddr(const std::string& text) {
  if (text.rfind("unix:", 0) != 0) {
    auto hp = ParseHostPort(text);
    if (hp.ok() && hp.value().port == 0)
      return InvalidArgument("'" + text + "': port 0 is not a Redis port");
    return hp;
  }
  HostPort hp;
  hp.unix_path = text.substr(5);
  if (hp.unix_path.empty() || hp.unix_path.front() != '/')
    return InvalidArgument("'" + text +
                           "': a Unix socket needs an absolute path "
                           "(unix:/path/to/redis.sock)");
  // The kernel's limit: a longer path cannot be connected to at all.
  if (hp.unix_path.size() >= sizeof(sockaddr_un{}.sun_path))
    return InvalidArgument("'" + text + "': socket path longer than " +
                           std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
                           " bytes");
  return hp;
}

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1)
    return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

}  // namespace coyotes
