#include "ctl/follow_stream.h"

#include "base/json_util.h"

namespace coyotes {

void FollowStream::Feed(std::string_view bytes) {
  partial_.append(bytes);
  size_t start = 0;
  for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos;
       start = nl + 1)
    Line(std::string_view(partial_).substr(start, nl - start));
  partial_.erase(0, start);
}

void FollowStream::Line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty() || ended_) return;
  FollowEvent e;
  e.line = std::string(line);
  json_error_t err;
  // A task's output may hold NUL bytes: \u0000 is allowed.
  JsonPtr o(json_loadb(line.data(), line.size(), JSON_ALLOW_NUL, &err));
  if (json_object_get(o.get(), "state") != nullptr) {
    ended_ = true;
    e.kind = FollowEvent::kEnd;
  } else {
    const json_t* data = json_object_get(o.get(), "data");
    const char* stream = json_string_value(json_object_get(o.get(), "stream"));
    if (json_is_string(data) && stream != nullptr) {
      const std::string_view s(stream);
      if (s == "stdout" || s == "stderr") {
        e.kind = s == "stdout" ? FollowEvent::kStdout : FollowEvent::kStderr;
        e.data.assign(json_string_value(data), json_string_length(data));
      }
    }
  }
  on_event_(e);
}

}  // namespace coyotes
