// multipart/form-data body parser (RFC 7578 over RFC 2046), written for
// untrusted input: one linear pass, bounded per-part header size and part
// count, binary-safe values. Used by DecodeBody (src/http/form.h).
#ifndef COYOTES_HTTP_MULTIPART_H_
#define COYOTES_HTTP_MULTIPART_H_

#include <cstddef>
#include <string_view>

#include "base/status.h"
#include "http/form.h"

namespace coyotes {

inline constexpr size_t kMultipartMaxBoundary = 70;       // RFC 2046
inline constexpr size_t kMultipartMaxHeaderBytes = 8192;  // per part
inline constexpr size_t kMultipartMaxParts = 1000;

// Parses `body` delimited by "--" + `boundary` (the Content-Type parameter,
// without the leading dashes). Each part needs Content-Disposition:
// form-data; name="..."; the field value is the exact part content (file
// content when a filename is given). CRLF and bare LF line endings, preamble,
// epilogue and transport padding are accepted. Errors are InvalidArgument
// with a "multipart: " message.
Result<Form> ParseMultipart(std::string_view body, std::string_view boundary);

}  // namespace coyotes

#endif  // COYOTES_HTTP_MULTIPART_H_
