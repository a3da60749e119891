// Bearer tokens for the HTTP API (--http-token-file). One token per line,
// optionally followed by a blank and "read" (that token may only GET and
// HEAD); blank lines and '#' comments are skipped. A request then needs
// "Authorization: Bearer TOKEN". Tokens are compared in constant time,
// every one of them every time, so that neither the answer's timing nor
// which token matched tells an attacker how close a guess was.
#ifndef COYOTES_HTTP_AUTH_H_
#define COYOTES_HTTP_AUTH_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace coyotes {

// The shortest token accepted: 16 characters.
inline constexpr size_t kMinTokenLength = 16;

class TokenTable {
 public:
  TokenTable() = default;

  // Parses the file's content. InvalidArgument naming the line for a token
  // shorter than kMinTokenLength, a second word other than "read", more
  // than two words, or a file with no token at all.
  static Result<TokenTable> Parse(std::string_view content);
  // ReadSecretFile (other users may not read it), then Parse; errors name
  // the path.
  static Result<TokenTable> Load(const std::string& path);

  enum class Verdict {
    kAllowed,
    kMissing,   // no or malformed Authorization: 401
    kUnknown,   // a token we do not know: 401
    kReadOnly,  // a read token on a method that writes: 403
  };
  // `authorization` is the header's value (null: absent).
  Verdict Check(const char* authorization, std::string_view method) const;

  size_t size() const { return tokens_.size(); }

 private:
  struct Token {
    std::string value;
    bool read_only = false;
  };
  std::vector<Token> tokens_;
};

// Equal in time that depends only on the lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace coyotes

#endif  // COYOTES_HTTP_AUTH_H_
