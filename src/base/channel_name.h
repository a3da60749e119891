// The one rule for channel names (and the key namespace): [A-Za-z0-9_.:-],
// 1 to 64 characters. They become parts of Redis keys and URL paths, so the
// rule keeps both unambiguous.
#ifndef COYOTES_BASE_CHANNEL_NAME_H_
#define COYOTES_BASE_CHANNEL_NAME_H_

#include <string_view>

namespace coyotes {

// Names made of [A-Za-z0-9_.:-], 1 to max_len characters.
inline bool IsSafeName(std::string_view name, size_t max_len) {
  if (name.empty() || name.size() > max_len) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
              c == '-';
    if (!ok) return false;
  }
  return true;
}

inline bool IsValidChannelName(std::string_view name) {
  return IsSafeName(name, 64);
}

}  // namespace coyotes

#endif  // COYOTES_BASE_CHANNEL_NAME_H_
