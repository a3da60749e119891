#include "base/http_url.h"

#include <cctype>

namespace coyotes {
namespace {

Status Bad(const std::string& why) { return InvalidArgument(why); }

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ||
         c == '_';
}

}  // namespace

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  if (url.size() > kMaxCallbackUrlLength)
    return Bad("longer than " + std::to_string(kMaxCallbackUrlLength) +
               " bytes");
  for (char c : url) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f)
      return Bad(
          "holds a blank, a control or a non-ASCII byte "
          "(percent-encode it)");
  }
  auto starts = [&](std::string_view p) {
    if (url.size() < p.size()) return false;
    for (size_t i = 0; i < p.size(); i++)
      if (std::tolower(static_cast<unsigned char>(url[i])) != p[i])
        return false;
    return true;
  };
  if (starts("https://")) return Bad("https:// is not supported; use http://");
  if (!starts("http://")) return Bad("must start with http://");
  std::string_view rest = url.substr(7);
  if (size_t hash = rest.find('#'); hash != std::string_view::npos)
    rest = rest.substr(0, hash);
  size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  HttpUrl u;
  u.authority = std::string(authority);
  if (end == std::string_view::npos)
    u.path = "/";
  else if (rest[end] == '?')
    u.path = "/" + std::string(rest.substr(end));
  else
    u.path = std::string(rest.substr(end));
  if (authority.find('@') != std::string_view::npos)
    return Bad("must not hold user:password@");
  if (authority.empty()) return Bad("has no host");
  std::string_view host, port;
  if (authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Bad("has an unclosed [");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Bad("has bytes after ]");
      port = after.substr(1);
      if (port.empty()) return Bad("has an empty port");
    }
    if (host.empty()) return Bad("has no host");
    for (char c : host)
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.')
        return Bad("has a bad IPv6 address");
  } else {
    size_t colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return Bad("has an empty port");
    }
    if (host.empty()) return Bad("has no host");
    for (char c : host)
      if (!IsHostChar(c)) return Bad("has a bad host name");
  }
  u.host = std::string(host);
  if (!port.empty()) {
    int p = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || p > 65535)
        return Bad("has a bad port");
      p = p * 10 + (c - '0');
    }
    if (p < 1 || p > 65535) return Bad("has a bad port");
    u.port = p;
  }
  return u;
}

Status CheckCallbackHost(std::string_view url,
                         const std::vector<std::string>& allowed) {
  if (allowed.empty()) return Status::Ok();
  auto u = ParseHttpUrl(url);
  if (!u.ok()) return u.status();
  std::string host = u->host;
  for (char& c : host) c = static_cast<char>(std::tolower(c));
  for (std::string a : allowed) {
    for (char& c : a) c = static_cast<char>(std::tolower(c));
    if (a == host) return Status::Ok();
    // "*.example.com": any name that ends in ".example.com".
    if (a.size() > 2 && a.compare(0, 2, "*.") == 0 &&
        host.size() > a.size() - 1 &&
        host.compare(host.size() - (a.size() - 1), a.size() - 1, a.substr(1)) ==
            0)
      return Status::Ok();
  }
  return InvalidArgument("host '" + u->host + "' is not in --callback-hosts");
}

}  // namespace coyotes
