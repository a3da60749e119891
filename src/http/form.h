// Request-body decoding for the HTTP API: the Form type, urlencoded forms and
// query strings, Content-Type parsing (http/body.h dispatches a body to the
// decoder of its type). Pure functions over bytes, no I/O, so they are
// unit-tested and fuzzed on their own (fuzz/).
#ifndef COYOTES_HTTP_FORM_H_
#define COYOTES_HTTP_FORM_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

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

// Untrusted text for an error message: at most 64 bytes, in double quotes,
// with control bytes, quotes, backslashes and non-ASCII as \xNN.
std::string QuoteUntrusted(std::string_view s);

}  // namespace coyotes

#endif  // COYOTES_HTTP_FORM_H_
