// Producer items and form values; see task_items.h.
#include "task_items.h"

#include <jansson.h>

#include <cctype>
#include <cstdlib>
#include <ctime>

namespace bench {

std::string ShellItem(const std::string& cmd, const std::string& chan) {
  json_t* o = json_object();
  json_object_set_new(o, "task", json_string(cmd.c_str()));
  json_object_set_new(o, "chan", json_string(chan.c_str()));
  json_object_set_new(o, "ts", json_integer(time(nullptr)));
  char* s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
  std::string out = s;
  std::free(s);
  json_decref(o);
  return out;
}

std::string ArgvItem(const std::string& file, const std::string& chan) {
  json_t* o = json_object();
  json_object_set_new(o, "command", json_string("touch"));
  json_t* a = json_array();
  json_array_append_new(a, json_string(file.c_str()));
  json_object_set_new(o, "args", a);
  json_object_set_new(o, "chan", json_string(chan.c_str()));
  json_object_set_new(o, "ts", json_integer(time(nullptr)));
  char* s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
  std::string out = s;
  std::free(s);
  json_decref(o);
  return out;
}

std::string UrlEncode(const std::string& s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace bench
