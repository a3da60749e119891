// SHA-256 and HMAC-SHA256, computed by Nettle: the key that
// tells script tasks apart in a distinct channel, and the signature of a
// completion callback's body.
#ifndef COYOTES_BASE_SHA256_H_
#define COYOTES_BASE_SHA256_H_

#include <string>
#include <string_view>

namespace coyotes {

// The digest of `data` as 64 lower-case hex digits.
std::string Sha256Hex(std::string_view data);

// HMAC-SHA256 (RFC 2104) of `data` keyed by `key`, as 64 lower-case hex
// digits.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

}  // namespace coyotes

#endif  // COYOTES_BASE_SHA256_H_
