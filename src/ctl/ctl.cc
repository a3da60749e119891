#include "ctl/ctl.h"

#include <cstdio>
#include <cstdlib>

#include "ctl/table.h"

namespace coyotes {

void Ctl::PrintJson(const json_t* data) {
  char* text = json_dumps(data, JSON_ENCODE_ANY | JSON_INDENT(2));
  if (text != nullptr) {
    std::fputs(text, stdout);
    std::free(text);
  } else {
    std::fputs("null", stdout);
  }
  std::fputc('\n', stdout);
}

void Ctl::Print(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
}

int Ctl::Usage(std::string_view command, std::string_view message) {
  std::fprintf(stderr, "coyotesctl: %.*s: %.*s\nTry 'coyotesctl help %.*s'.\n",
               static_cast<int>(command.size()), command.data(),
               static_cast<int>(message.size()), message.data(),
               static_cast<int>(command.size()), command.data());
  return kCtlUsage;
}

int Ctl::Fail(const Result<ApiReply>& reply) {
  if (!reply.ok()) {
    std::fprintf(stderr, "coyotesctl: %s\n", reply.status().message().c_str());
    return kCtlUnavailable;
  }
  // The message may quote what a user or producer sent (an id, a field):
  // escaped as a table cell is.
  const ApiReply& r = reply.value();
  const std::string message = EscapeControl(r.message);
  if (message.rfind("HTTP ", 0) == 0)
    std::fprintf(stderr, "coyotesctl: %s\n", message.c_str());
  else
    std::fprintf(stderr, "coyotesctl: %s (HTTP %d)\n", message.c_str(),
                 r.status);
  return kCtlRefused;
}

int Ctl::Refused(std::string_view message) {
  std::fprintf(stderr, "coyotesctl: %.*s\n", static_cast<int>(message.size()),
               message.data());
  return kCtlRefused;
}

std::string Text(const json_t* object, const char* key) {
  const json_t* v = json_object_get(object, key);
  if (json_is_string(v)) return json_string_value(v);
  if (json_is_integer(v)) return std::to_string(json_integer_value(v));
  if (json_is_real(v)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", json_real_value(v));
    return buf;
  }
  if (json_is_true(v)) return "true";
  if (json_is_false(v)) return "false";
  return "";
}

int64_t Number(const json_t* object, const char* key, int64_t fallback) {
  const json_t* v = json_object_get(object, key);
  return json_is_integer(v) ? json_integer_value(v) : fallback;
}

bool Flag(const json_t* object, const char* key) {
  return json_is_true(json_object_get(object, key));
}

}  // namespace coyotes
