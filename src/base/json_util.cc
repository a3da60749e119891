#include "base/json_util.h"

#include <cstdlib>

namespace coyotes {

std::string JsonDump(const json_t* j) {
  char* text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
  std::string out = text ? text : "null";
  free(text);
  return out;
}

std::string ToValidUtf8(std::string_view in) {
  static const char kReplacement[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(in.size());
  size_t i = 0, n = in.size();
  auto cont = [&](size_t k) {
    return k < n && (static_cast<unsigned char>(in[k]) & 0xC0) == 0x80;
  };
  while (i < n) {
    unsigned char c = in[i];
    size_t len = 0;
    if (c < 0x80) {
      len = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = cont(i + 1) ? 2 : 0;
    } else if (c >= 0xE0 && c <= 0xEF) {
      unsigned char c1 = i + 1 < n ? in[i + 1] : 0;
      bool ok = cont(i + 1) && cont(i + 2) && !(c == 0xE0 && c1 < 0xA0) &&
                !(c == 0xED && c1 >= 0xA0);  // no overlongs, no surrogates
      len = ok ? 3 : 0;
    } else if (c >= 0xF0 && c <= 0xF4) {
      unsigned char c1 = i + 1 < n ? in[i + 1] : 0;
      bool ok = cont(i + 1) && cont(i + 2) && cont(i + 3) &&
                !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
      len = ok ? 4 : 0;
    }
    if (len == 0) {
      out += kReplacement;
      i += 1;
    } else {
      out.append(in.substr(i, len));
      i += len;
    }
  }
  return out;
}

json_t* JsonStringLossy(std::string_view bytes) {
  std::string valid = ToValidUtf8(bytes);
  return json_stringn(valid.data(), valid.size());
}

}  // namespace coyotes
