#include "daemon/worker_control.h"

namespace coyotes {

std::vector<ControlMessage> TakeControlMessages(std::string* buf) {
  std::vector<ControlMessage> out;
  size_t at = 0;
  while (at < buf->size()) {
    char c = (*buf)[at];
    if (c == 'C') {
      size_t nl = buf->find('\n', at);
      if (nl == std::string::npos) break;  // the rest comes later
      out.push_back(
          {ControlMessage::Kind::kCancel, buf->substr(at + 1, nl - at - 1)});
      at = nl + 1;
      continue;
    }
    at++;
    if (c == 'D')
      out.push_back({ControlMessage::Kind::kDrain, ""});
    else if (c == 'F')
      out.push_back({ControlMessage::Kind::kFastStop, ""});
  }
  buf->erase(0, at);
  return out;
}

}  // namespace coyotes
