// DecodeBody: a request body to form fields by its Content-Type, and the
// JSON object decoder. It sees untrusted bytes; errors quote input only
// through QuoteUntrusted.
#include "http/body.h"

#include <jansson.h>

#include <charconv>
#include <cstdlib>
#include <memory>
#include <system_error>

#include "base/json_util.h"
#include "http/multipart.h"

namespace coyotes {

namespace {

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};

// The field text of one JSON value; false for null (no field).
Result<bool> JsonFieldText(const json_t* v, std::string* out) {
  switch (json_typeof(v)) {
    case JSON_NULL:
      return false;
    case JSON_STRING:
      out->assign(json_string_value(v), json_string_length(v));
      return true;
    case JSON_INTEGER:
      *out = std::to_string(json_integer_value(v));
      return true;
    case JSON_REAL: {
      // Shortest round-trip text: 1.5 stays "1.5", not "1.5000000000000000".
      char buf[64];
      auto [end, ec] =
          std::to_chars(buf, buf + sizeof(buf), json_real_value(v));
      if (ec != std::errc()) return Internal("json: cannot format a number");
      out->assign(buf, end);
      return true;
    }
    case JSON_TRUE:
      *out = "true";
      return true;
    case JSON_FALSE:
      *out = "false";
      return true;
    case JSON_OBJECT:
    case JSON_ARRAY: {
      std::unique_ptr<char, FreeDeleter> text(json_dumps(v, JSON_COMPACT));
      if (text == nullptr) return Internal("json: cannot encode a value");
      *out = text.get();
      return true;
    }
  }
  return Internal("json: unknown value type");
}

Result<Form> ParseJsonObject(std::string_view body) {
  json_error_t error;
  // JSON_DECODE_ANY so that a scalar gets our "must be an object" message;
  // JSON_ALLOW_NUL because fields are binary-safe std::strings anyway.
  JsonPtr root(json_loadb(body.data(), body.size(),
                          JSON_DECODE_ANY | JSON_ALLOW_NUL, &error));
  if (root == nullptr) {
    return InvalidArgument("json: " + std::string(error.text) + " (line " +
                           std::to_string(error.line) + ", column " +
                           std::to_string(error.column) + ")");
  }
  if (!json_is_object(root.get())) {
    return InvalidArgument("json: body must be an object");
  }

  Form form;
  const char* key;
  size_t key_len;
  json_t* value;
  json_object_keylen_foreach(root.get(), key, key_len, value) {
    std::string name(key, key_len);
    std::string text;
    if (json_is_array(value)) {
      size_t index;
      json_t* element;
      json_array_foreach(value, index, element) {
        Result<bool> has = JsonFieldText(element, &text);
        if (!has.ok()) return has.status();
        if (*has) form.push_back({name, std::move(text)});
      }
      continue;
    }
    Result<bool> has = JsonFieldText(value, &text);
    if (!has.ok()) return has.status();
    if (*has) form.push_back({std::move(name), std::move(text)});
  }
  return form;
}

}  // namespace

Result<Form> DecodeBody(std::string_view content_type, std::string_view body,
                        bool* unsupported) {
  bool ignored;
  if (unsupported == nullptr) unsupported = &ignored;
  *unsupported = false;

  if (content_type.find_first_not_of(" \t") == std::string_view::npos) {
    *unsupported = true;
    return InvalidArgument("unsupported content type: none given");
  }
  Result<MediaType> media = ParseMediaType(content_type);
  if (!media.ok()) return media.status().Annotate("content type");

  const std::string& type = media->type;
  if (type == "multipart/form-data") {
    const std::string* boundary = media->Param("boundary");
    if (boundary == nullptr) {
      return InvalidArgument("multipart/form-data without a boundary");
    }
    return ParseMultipart(body, *boundary);
  }
  if (type == "application/x-www-form-urlencoded") {
    return ParseUrlEncoded(body);
  }
  if (type == "application/json") return ParseJsonObject(body);

  *unsupported = true;
  return InvalidArgument("unsupported content type: " + QuoteUntrusted(type));
}

}  // namespace coyotes
