// libFuzzer target for DecodeBody. The first byte picks the content type:
// 0 multipart (boundary "fuzzb"), 1 urlencoded, 2 JSON, 3 a header taken
// from the input (next byte = its length), so ParseMediaType and the
// dispatch are fuzzed along with every decoder.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const uint8_t mode = static_cast<uint8_t>(in[0]) % 4;
  in.remove_prefix(1);

  std::string_view content_type;
  switch (mode) {
    case 0:
      content_type = "multipart/form-data; boundary=fuzzb";
      break;
    case 1:
      content_type = "application/x-www-form-urlencoded";
      break;
    case 2:
      content_type = "application/json; charset=utf-8";
      break;
    default: {
      if (in.empty()) return 0;
      const size_t len = static_cast<uint8_t>(in[0]);
      in.remove_prefix(1);
      if (len > in.size()) return 0;
      content_type = in.substr(0, len);
      in.remove_prefix(len);
      break;
    }
  }

  bool unsupported = false;
  coyotes::Result<coyotes::Form> form =
      coyotes::DecodeBody(content_type, in, &unsupported);
  // Only a failure can be "unsupported".
  if (form.ok() && unsupported) __builtin_trap();
  return 0;
}
