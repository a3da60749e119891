// SHA-256 (FIPS 180-4), for the key that tells script tasks apart in a
// distinct channel. Not for secrets: nothing here is constant-time.
#ifndef COYOTES_BASE_SHA256_H_
#define COYOTES_BASE_SHA256_H_

#include <string>
#include <string_view>

namespace coyotes {

// The digest of `data` as 64 lower-case hex digits.
std::string Sha256Hex(std::string_view data);

}  // namespace coyotes

#endif  // COYOTES_BASE_SHA256_H_
