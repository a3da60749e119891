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

size_t Utf8CompleteLength(std::string_view bytes) {
  // The last lead byte among the last four: if its sequence runs past the
  // end, the text stops before it.
  size_t n = bytes.size();
  for (size_t back = 1; back <= 4 && back <= n; back++) {
    auto c = static_cast<unsigned char>(bytes[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte
    size_t need = c < 0x80             ? 1
                  : (c & 0xE0) == 0xC0 ? 2
                  : (c & 0xF0) == 0xE0 ? 3
                  : (c & 0xF8) == 0xF0 ? 4
                                       : 1;  // not UTF-8: nothing to wait for
    return back < need ? n - back : n;
  }
  return n;
}

}  // namespace coyotes
