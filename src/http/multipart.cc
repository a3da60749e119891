// multipart/form-data parser. The body is scanned once, front to back: a
// delimiter only counts at the start of a line and when followed by "--",
// padding and a line end (or the end of input), so near-misses inside values
// stay value bytes. Per-part header scanning is capped, so adversarial input
// costs O(body size * boundary length) at worst.
#include "http/multipart.h"

#include <algorithm>
#include <string>

namespace coyotes {

namespace {

bool IsPad(char c) { return c == ' ' || c == '\t'; }

char LowerChar(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerChar(a[i]) != LowerChar(b[i])) return false;
  }
  return true;
}

std::string_view TrimPad(std::string_view s) {
  while (!s.empty() && IsPad(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsPad(s.back())) s.remove_suffix(1);
  return s;
}

// Header field names: printable ASCII other than ':' and space, which is
// enough to reject a stray delimiter or value line inside a header block.
bool IsHeaderName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c <= ' ' || c >= 0x7f || c == ':') return false;
  }
  return true;
}

Status MissingClose() {
  return InvalidArgument("multipart: missing closing boundary");
}

Status PartError(size_t part, const std::string& what) {
  return InvalidArgument("multipart: part " + std::to_string(part) + ": " +
                         what);
}

enum class DelimKind {
  kNone,       // not a delimiter: the bytes belong to the value or preamble
  kPart,       // a part's headers start at `next`
  kClose,      // the close delimiter; the rest is epilogue
  kTruncated,  // a delimiter cut off by the end of the body
};

struct Delim {
  DelimKind kind = DelimKind::kNone;
  size_t next = 0;
};

// Classifies what follows "--boundary" ending at body[after].
Delim Classify(std::string_view body, size_t after) {
  size_t i = after;
  bool close = body.substr(i, 2) == "--";
  if (close) i += 2;
  while (i < body.size() && IsPad(body[i])) ++i;
  const DelimKind found = close ? DelimKind::kClose : DelimKind::kPart;
  if (i == body.size() || (body[i] == '\r' && i + 1 == body.size())) {
    return {close ? DelimKind::kClose : DelimKind::kTruncated, body.size()};
  }
  if (body[i] == '\n') return {found, i + 1};
  if (body[i] == '\r' && body[i + 1] == '\n') return {found, i + 2};
  return {};
}

// Parses the header block of part number `part` starting at `start`.
// Returns the field name and sets *content_start past the blank line.
Result<std::string> ParsePartHeaders(std::string_view body, size_t start,
                                     size_t part, size_t* content_start) {
  // Room for the capped header bytes plus the blank line ending them.
  const size_t window_end =
      std::min(body.size(), start + kMultipartMaxHeaderBytes + 2);
  const std::string_view window = body.substr(0, window_end);
  const Status too_big =
      PartError(part, "headers exceed " +
                          std::to_string(kMultipartMaxHeaderBytes) + " bytes");

  bool have_disposition = false;
  std::string disposition;
  std::string* fold_into = nullptr;  // continuation lines (obs-fold)
  bool in_headers = false;
  size_t cur = start;
  while (true) {
    size_t nl = window.find('\n', cur);
    if (nl == std::string_view::npos) {
      if (window_end < body.size()) return too_big;
      return MissingClose();
    }
    std::string_view line = body.substr(cur, nl - cur);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      if (cur - start > kMultipartMaxHeaderBytes) return too_big;
      *content_start = nl + 1;
      break;
    }
    if (nl + 1 - start > kMultipartMaxHeaderBytes) return too_big;
    cur = nl + 1;

    if (IsPad(line.front())) {
      if (!in_headers) return PartError(part, "header continuation first");
      if (fold_into != nullptr) {
        fold_into->push_back(' ');
        fold_into->append(TrimPad(line));
      }
      continue;
    }
    size_t colon = line.find(':');
    std::string_view name = colon == std::string_view::npos
                                ? std::string_view()
                                : TrimPad(line.substr(0, colon));
    if (!IsHeaderName(name)) return PartError(part, "malformed header line");
    in_headers = true;
    fold_into = nullptr;
    if (EqualsIgnoreCase(name, "content-disposition")) {
      if (have_disposition) {
        return PartError(part, "duplicate Content-Disposition header");
      }
      have_disposition = true;
      disposition = TrimPad(line.substr(colon + 1));
      fold_into = &disposition;
    }
  }

  if (!have_disposition) {
    return PartError(part, "no Content-Disposition header");
  }
  Result<MediaType> parsed = ParseHeaderParams(disposition);
  if (!parsed.ok()) {
    return PartError(part, "Content-Disposition: " + parsed.status().message());
  }
  if (parsed->type != "form-data") {
    return PartError(part, "Content-Disposition is not form-data");
  }
  const std::string* name = parsed->Param("name");
  if (name == nullptr) return PartError(part, "no name");
  return *name;
}

}  // namespace

Result<Form> ParseMultipart(std::string_view body, std::string_view boundary) {
  if (boundary.empty()) return InvalidArgument("multipart: empty boundary");
  if (boundary.size() > kMultipartMaxBoundary) {
    return InvalidArgument("multipart: boundary longer than " +
                           std::to_string(kMultipartMaxBoundary) +
                           " characters");
  }
  for (char c : boundary) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return InvalidArgument("multipart: control character in boundary");
    }
  }
  const std::string dash_boundary = "--" + std::string(boundary);
  const std::string line_delim = "\n" + dash_boundary;

  // The opening delimiter: at the very start or at a line start after the
  // preamble.
  Delim d;
  if (body.starts_with(dash_boundary)) {
    d = Classify(body, dash_boundary.size());
  }
  for (size_t search = 0; d.kind == DelimKind::kNone;) {
    size_t hit = body.find(line_delim, search);
    if (hit == std::string_view::npos) {
      return InvalidArgument("multipart: missing opening boundary");
    }
    d = Classify(body, hit + line_delim.size());
    search = hit + 1;
  }

  Form form;
  while (true) {
    if (d.kind == DelimKind::kClose) return form;
    if (d.kind == DelimKind::kTruncated) return MissingClose();
    if (form.size() >= kMultipartMaxParts) {
      return InvalidArgument("multipart: more than " +
                             std::to_string(kMultipartMaxParts) + " parts");
    }
    size_t content_start = 0;
    Result<std::string> name =
        ParsePartHeaders(body, d.next, form.size() + 1, &content_start);
    if (!name.ok()) return name.status();

    // Start at the '\n' that ends the blank line, so that a delimiter right
    // after the headers gives an empty value rather than an error.
    Delim next;
    size_t search = content_start - 1;
    size_t hit = 0;
    while (next.kind == DelimKind::kNone) {
      hit = body.find(line_delim, search);
      if (hit == std::string_view::npos) return MissingClose();
      next = Classify(body, hit + line_delim.size());
      search = hit + 1;
    }
    // The line break before a delimiter belongs to the delimiter.
    size_t end = hit;
    if (end > content_start && body[end - 1] == '\r') --end;
    std::string value;
    if (end > content_start) {
      value = body.substr(content_start, end - content_start);
    }
    form.push_back({std::move(name).value(), std::move(value)});
    d = next;
  }
}

}  // namespace coyotes
