// Request-body decoders: urlencoded forms and header parameters. Everything
// here sees untrusted bytes, so each loop is bounds-checked and linear, and
// error messages quote input only in a short, escaped form.
#include "http/form.h"

#include <charconv>
#include <cstdlib>
#include <memory>
#include <system_error>

namespace coyotes {

namespace {

bool IsWs(char c) { return c == ' ' || c == '\t'; }

bool IsCtl(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

// RFC 9110 tchar.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

char LowerChar(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerChar(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerChar(a[i]) != LowerChar(b[i])) return false;
  }
  return true;
}

std::string_view TrimWs(std::string_view s) {
  while (!s.empty() && IsWs(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsWs(s.back())) s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one name or value; `offset` is its position in the whole body,
// for the error message.
Status DecodeComponent(std::string_view in, size_t offset, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out->push_back(' ');
    } else if (c == '%') {
      int hi = in.size() - i >= 3 ? HexValue(in[i + 1]) : -1;
      int lo = in.size() - i >= 3 ? HexValue(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgument("urlencoded: malformed percent escape " +
                               QuoteUntrusted(in.substr(i, 3)) + " at offset " +
                               std::to_string(offset + i));
      }
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out->push_back(c);
    }
  }
  return Status::Ok();
}

// Shared by ParseHeaderParams and ParseMediaType; `media_type` requires the
// leading value to be "type/subtype".
Result<MediaType> ParseParameterized(std::string_view header, bool media_type) {
  const size_t n = header.size();
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < n && IsWs(header[i])) ++i;
  };

  while (i < n && header[i] != ';') ++i;
  std::string_view value = TrimWs(header.substr(0, i));
  if (value.empty()) return InvalidArgument("empty header value");
  if (media_type) {
    size_t slash = value.find('/');
    if (slash == std::string_view::npos || !IsToken(value.substr(0, slash)) ||
        !IsToken(value.substr(slash + 1))) {
      return InvalidArgument("malformed media type " + QuoteUntrusted(value) +
                             " (want type/subtype)");
    }
  } else if (!IsToken(value)) {
    return InvalidArgument("malformed header value " + QuoteUntrusted(value));
  }

  MediaType result;
  result.type = Lower(value);
  while (i < n) {  // header[i] == ';'
    ++i;
    skip_ws();
    if (i == n) break;
    if (header[i] == ';') continue;  // empty parameter, e.g. "a;;b=c"

    size_t name_start = i;
    while (i < n && IsTokenChar(header[i])) ++i;
    std::string_view name = header.substr(name_start, i - name_start);
    if (name.empty()) {
      return InvalidArgument("malformed parameter at " +
                             QuoteUntrusted(header.substr(name_start)));
    }
    skip_ws();
    if (i == n || header[i] != '=') {
      return InvalidArgument("parameter " + QuoteUntrusted(name) +
                             " has no value");
    }
    ++i;
    skip_ws();

    std::string param_value;
    if (i < n && header[i] == '"') {
      ++i;
      bool closed = false;
      while (i < n) {
        char c = header[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\') {  // quoted-pair: the next byte as is
          if (i == n) break;
          c = header[i++];
        }
        param_value.push_back(c);
      }
      if (!closed) {
        return InvalidArgument("unterminated quoted string in parameter " +
                               QuoteUntrusted(name));
      }
    } else {
      size_t value_start = i;
      while (i < n && header[i] != ';' && !IsWs(header[i])) {
        if (header[i] == '"' || IsCtl(header[i])) {
          return InvalidArgument("invalid character in parameter " +
                                 QuoteUntrusted(name));
        }
        ++i;
      }
      param_value = header.substr(value_start, i - value_start);
    }
    skip_ws();
    if (i < n && header[i] != ';') {
      return InvalidArgument("unexpected text after parameter " +
                             QuoteUntrusted(name) + ": " +
                             QuoteUntrusted(header.substr(i)));
    }
    result.params.emplace_back(Lower(name), std::move(param_value));
  }
  return result;
}

}  // namespace

std::string QuoteUntrusted(std::string_view s) {
  constexpr size_t kMax = 64;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += s.size() > kMax ? "\"..." : "\"";
  return out;
}

const std::string* FormGet(const Form& f, std::string_view name) {
  for (const FormField& field : f) {
    if (field.name == name) return &field.value;
  }
  return nullptr;
}

std::vector<std::string> FormGetAll(const Form& f, std::string_view name) {
  std::vector<std::string> values;
  for (const FormField& field : f) {
    if (field.name == name) values.push_back(field.value);
  }
  return values;
}

Result<Form> ParseUrlEncoded(std::string_view body) {
  Form form;
  size_t start = 0;
  while (start <= body.size()) {
    size_t amp = body.find('&', start);
    if (amp == std::string_view::npos) amp = body.size();
    std::string_view piece = body.substr(start, amp - start);
    if (!piece.empty()) {
      size_t eq = piece.find('=');
      std::string_view raw_name = piece.substr(0, eq);
      std::string_view raw_value = eq == std::string_view::npos
                                       ? std::string_view()
                                       : piece.substr(eq + 1);
      FormField field;
      Status s = DecodeComponent(raw_name, start, &field.name);
      if (!s.ok()) return s;
      s = DecodeComponent(raw_value, start + raw_name.size() + 1, &field.value);
      if (!s.ok()) return s;
      form.push_back(std::move(field));
    }
    start = amp + 1;
  }
  return form;
}

const std::string* MediaType::Param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (EqualsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

Result<MediaType> ParseHeaderParams(std::string_view header) {
  return ParseParameterized(header, /*media_type=*/false);
}

Result<MediaType> ParseMediaType(std::string_view header) {
  return ParseParameterized(header, /*media_type=*/true);
}

}  // namespace coyotes
