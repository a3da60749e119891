#include "task/output_tail.h"

namespace coyotes {

void OutputTail::Append(std::string_view data) {
  total_ += data.size();
  if (cap_ == 0) return;
  if (data.size() >= cap_) {
    buf_.assign(data.substr(data.size() - cap_));
    start_ = 0;
    return;
  }
  if (buf_.size() < cap_) {
    size_t room = cap_ - buf_.size();
    size_t n = std::min(room, data.size());
    buf_.append(data.substr(0, n));
    data.remove_prefix(n);
    if (data.empty()) return;
  }
  // The ring is full: overwrite the oldest bytes.
  while (!data.empty()) {
    size_t n = std::min(cap_ - start_, data.size());
    buf_.replace(start_, n, data.substr(0, n));
    start_ = (start_ + n) % cap_;
    data.remove_prefix(n);
  }
}

std::string OutputTail::Take() const {
  if (buf_.size() < cap_ || start_ == 0) return buf_;
  return buf_.substr(start_) + buf_.substr(0, start_);
}

}  // namespace coyotes
