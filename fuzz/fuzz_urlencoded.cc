// libFuzzer target for ParseUrlEncoded (bodies and query strings). Besides
// "no crash", a decoded form must encode back to text that decodes to the
// same fields, and decoding never grows the data.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/form.h"

namespace {

using coyotes::Form;
using coyotes::ParseUrlEncoded;
using coyotes::Result;

void Encode(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
        (u >= '0' && u <= '9') || u == '-' || u == '.' || u == '_') {
      *out += c;
    } else if (u == ' ') {
      *out += '+';
    } else {
      *out += '%';
      *out += kHex[u >> 4];
      *out += kHex[u & 0xf];
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  Result<Form> form = ParseUrlEncoded(body);
  if (!form.ok()) return 0;

  size_t total = 0;
  std::string encoded;
  for (const auto& field : *form) {
    total += field.name.size() + field.value.size();
    if (!encoded.empty()) encoded += '&';
    Encode(field.name, &encoded);
    encoded += '=';
    Encode(field.value, &encoded);
  }
  if (total > body.size()) __builtin_trap();

  Result<Form> again = ParseUrlEncoded(encoded);
  if (!again.ok() || again->size() != form->size()) __builtin_trap();
  for (size_t i = 0; i < form->size(); ++i) {
    if ((*again)[i].name != (*form)[i].name) __builtin_trap();
    if ((*again)[i].value != (*form)[i].value) __builtin_trap();
  }
  return 0;
}
