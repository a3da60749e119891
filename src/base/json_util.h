// JsonPtr: the owner of one jansson reference, and small helpers that keep
// jansson's borrowed/stolen reference rules in one place.
#ifndef COYOTES_BASE_JSON_UTIL_H_
#define COYOTES_BASE_JSON_UTIL_H_

#include <jansson.h>

#include <memory>
#include <string>
#include <string_view>

namespace coyotes {

struct JsonDecref {
  void operator()(json_t* j) const { json_decref(j); }
};
using JsonPtr = std::unique_ptr<json_t, JsonDecref>;

// Compact JSON text of `j` (keys in insertion order).
std::string JsonDump(const json_t* j);
// A JSON string from arbitrary bytes: invalid UTF-8 sequences become U+FFFD,
// so a task's binary output still yields valid JSON.
json_t* JsonStringLossy(std::string_view bytes);
// Replaces invalid UTF-8 in `bytes` with U+FFFD.
std::string ToValidUtf8(std::string_view bytes);
// The length of `bytes` without a UTF-8 sequence cut short at its end: what
// can be sent now when the rest of that character may still come.
size_t Utf8CompleteLength(std::string_view bytes);

}  // namespace coyotes

#endif  // COYOTES_BASE_JSON_UTIL_H_
