#include "http/auth.h"

#include "base/secret_file.h"

namespace coyotes {

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsBlank(line[i])) i++;
    size_t start = i;
    while (i < line.size() && !IsBlank(line[i])) i++;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Compare over the longer length so that a prefix match costs as much as
  // a mismatch at the first byte; the length difference counts too.
  size_t n = a.size() > b.size() ? a.size() : b.size();
  volatile unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; i++) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = diff | (x ^ y);
  }
  return diff == 0;
}

Result<TokenTable> TokenTable::Parse(std::string_view content) {
  TokenTable table;
  int line_no = 0;
  while (!content.empty()) {
    size_t nl = content.find('\n');
    std::string_view line = content.substr(0, nl);
    content.remove_prefix(nl == std::string_view::npos ? content.size()
                                                       : nl + 1);
    line_no++;
    std::vector<std::string_view> words = Words(line);
    if (words.empty() || words[0][0] == '#') continue;
    std::string where = "line " + std::to_string(line_no);
    if (words.size() > 2 || (words.size() == 2 && words[1] != "read"))
      return InvalidArgument(where +
                             ": expected a token, optionally followed by "
                             "'read'");
    if (words[0].size() < kMinTokenLength)
      return InvalidArgument(where + ": token shorter than " +
                             std::to_string(kMinTokenLength) + " characters");
    for (char c : words[0])
      if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f)
        return InvalidArgument(where + ": control character in the token");
    table.tokens_.push_back({std::string(words[0]), words.size() == 2});
  }
  if (table.tokens_.empty()) return InvalidArgument("no token in the file");
  return table;
}

Result<TokenTable> TokenTable::Load(const std::string& path) {
  auto content = ReadSecretFile(path);
  if (!content.ok()) return content.status();
  auto table = Parse(content.value());
  if (!table.ok()) return table.status().Annotate(path);
  return table;
}

TokenTable::Verdict TokenTable::Check(const char* authorization,
                                      std::string_view method) const {
  if (authorization == nullptr) return Verdict::kMissing;
  std::string_view h(authorization);
  // RFC 9110: the scheme is case-insensitive; one or more blanks follow.
  constexpr std::string_view kScheme = "bearer";
  if (h.size() <= kScheme.size()) return Verdict::kMissing;
  for (size_t i = 0; i < kScheme.size(); i++)
    if ((h[i] | 0x20) != kScheme[i]) return Verdict::kMissing;
  h.remove_prefix(kScheme.size());
  if (!IsBlank(h.front())) return Verdict::kMissing;
  while (!h.empty() && IsBlank(h.front())) h.remove_prefix(1);
  while (!h.empty() && IsBlank(h.back())) h.remove_suffix(1);
  if (h.empty()) return Verdict::kMissing;
  // Every token is compared, whichever matches.
  const Token* match = nullptr;
  for (const Token& t : tokens_)
    if (ConstantTimeEquals(h, t.value) && match == nullptr) match = &t;
  if (match == nullptr) return Verdict::kUnknown;
  bool reads = method == "GET" || method == "HEAD";
  if (match->read_only && !reads) return Verdict::kReadOnly;
  return Verdict::kAllowed;
}

}  // namespace coyotes
