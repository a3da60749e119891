// Request-body decoding for the HTTP API: urlencoded forms and query strings,
// Content-Type parsing, JSON object bodies, and dispatch to the multipart
// parser (src/multipart.h). Pure functions over bytes, no I/O, so they are
// unit-tested and fuzzed on their own (fuzz/).
#ifndef COYOTES_FORM_H_
#define COYOTES_FORM_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "status.h"

namespace coyotes {

struct FormField {
  std::string name;
  std::string value;
};

// Fields in body order; a name may repeat (e.g. several "args").
using Form = std::vector<FormField>;

// The first value of `name` (exact, case-sensitive match), or nullptr.
const std::string* FormGet(const Form& f, std::string_view name);
// Every value of `name`, in order.
std::vector<std::string> FormGetAll(const Form& f, std::string_view name);

// application/x-www-form-urlencoded, also used for query strings (pass the
// part after '?'). '+' is a space, %XX a byte; empty pieces ("a=1&&b=2") are
// skipped, a piece without '=' is a field with an empty value, an empty name
// is kept. A '%' not followed by two hex digits is InvalidArgument.
Result<Form> ParseUrlEncoded(std::string_view body);

// A header value of the form `value *( ";" name "=" (token | quoted-string) )`
// as in Content-Type and Content-Disposition. `type` is the lowercased value,
// parameter names are lowercased, parameter values are kept as sent (quoted
// strings unescaped). Whitespace around ';' and '=' is tolerated.
struct MediaType {
  std::string type;
  std::vector<std::pair<std::string, std::string>> params;

  // The first parameter called `name` (case-insensitive), or nullptr.
  const std::string* Param(std::string_view name) const;
};

// Content-Disposition style: the leading value is any non-empty token.
Result<MediaType> ParseHeaderParams(std::string_view header);
// Content-Type: as ParseHeaderParams, and the value must be "type/subtype".
Result<MediaType> ParseMediaType(std::string_view header);

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

#endif  // COYOTES_FORM_H_
