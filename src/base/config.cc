// HostPort, the one address syntax of every flag that names a peer.
#include "base/config.h"

#include <arpa/inet.h>

#include <cstdlib>

namespace coyotes {

std::string HostPort::ToString() const {
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
