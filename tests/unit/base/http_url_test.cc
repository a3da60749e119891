#include "base/http_url.h"

#include <gtest/gtest.h>

#include <string>

namespace coyotes {
namespace {

TEST(HttpUrl, SplitsHostPortAndPath) {
  auto u = ParseHttpUrl("http://hooks.example.com:8080/a/b?x=1&y=%20#frag");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->host, "hooks.example.com");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->path, "/a/b?x=1&y=%20");
  EXPECT_EQ(u->authority, "hooks.example.com:8080");

  u = ParseHttpUrl("HTTP://127.0.0.1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->path, "/");

  u = ParseHttpUrl("http://h?q=1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->path, "/?q=1");

  u = ParseHttpUrl("http://[::1]:9000/hook");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 9000);
  EXPECT_EQ(u->authority, "[::1]:9000");
}

TEST(HttpUrl, RefusesWhatCannotBeDelivered) {
  const std::pair<const char*, const char*> bad[] = {
      {"", "must start with http://"},
      {"ftp://h/", "must start with http://"},
      {"https://h/", "https:// is not supported"},
      {"http://", "has no host"},
      {"http:///path", "has no host"},
      {"http://:80/", "has no host"},
      {"http://user:pw@h/", "user:password@"},
      {"http://h:/", "empty port"},
      {"http://h:0/", "bad port"},
      {"http://h:65536/", "bad port"},
      {"http://h:8x/", "bad port"},
      {"http://h:99999999999999999999/", "bad port"},
      {"http://bad_host!/", "bad host name"},
      {"http://[::1/", "unclosed ["},
      {"http://[zz]/", "bad IPv6"},
      {"http://[::1]x/", "bytes after ]"},
      {"http://h/a b", "blank"},
      {"http://h/\x01", "control"},
      {"http://h/\xc3\xa9", "non-ASCII"},
  };
  for (const auto& [url, why] : bad) {
    auto u = ParseHttpUrl(url);
    ASSERT_FALSE(u.ok()) << url;
    EXPECT_NE(u.status().message().find(why), std::string::npos)
        << url << ": " << u.status().message();
  }
  std::string long_url = "http://h/" + std::string(kMaxCallbackUrlLength, 'a');
  EXPECT_FALSE(ParseHttpUrl(long_url).ok());
}

TEST(HttpUrl, CallbackHostsAllowNamesAddressesAndSubdomains) {
  const std::vector<std::string> allowed = {"hooks.internal", "10.0.0.7",
                                            "*.example.com", "::1"};
  for (const char* ok : {"http://hooks.internal/x", "http://HOOKS.Internal:81/",
                         "http://10.0.0.7/", "http://a.example.com/",
                         "http://a.b.example.com/", "http://[::1]:8/"})
    EXPECT_TRUE(CheckCallbackHost(ok, allowed).ok()) << ok;
  for (const char* bad :
       {"http://example.com/", "http://evil-example.com/", "http://10.0.0.70/",
        "http://hooks.internal.evil/", "http://127.0.0.1/"}) {
    Status s = CheckCallbackHost(bad, allowed);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find("not in --callback-hosts"), std::string::npos);
  }
  EXPECT_TRUE(CheckCallbackHost("http://anything/", {}).ok());
}

}  // namespace
}  // namespace coyotes
