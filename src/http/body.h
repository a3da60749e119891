// A request body to form fields, by its Content-Type: the one entry point
// the API uses, above the urlencoded (form.h), multipart (multipart.h) and
// JSON decoders. Pure functions over bytes: unit-tested and fuzzed (fuzz/).
#ifndef COYOTES_HTTP_BODY_H_
#define COYOTES_HTTP_BODY_H_

#include <string_view>

#include "base/status.h"
#include "http/form.h"

namespace coyotes {

// Decodes a request body by its Content-Type:
//   multipart/form-data (boundary parameter required),
//   application/x-www-form-urlencoded,
//   application/json: an object; string, number and boolean values become
//     fields (numbers as their shortest text: 3, 1.5, 1e+300; booleans
//     "true"/"false"), null is skipped, an array gives one field per element
//     in order, and objects (top-level values or array elements) and nested
//     arrays are kept as their compact JSON text.
// An empty or unsupported content type gives InvalidArgument("unsupported
// content type: ...") and sets *unsupported (HTTP 415); any other error
// (malformed header or body) leaves it false (HTTP 400). `unsupported` may be
// null.
Result<Form> DecodeBody(std::string_view content_type, std::string_view body,
                        bool* unsupported);

}  // namespace coyotes

#endif  // COYOTES_HTTP_BODY_H_
