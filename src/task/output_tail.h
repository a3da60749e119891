// OutputTail keeps the last `capacity` bytes written to it, in constant
// memory, however much is written: a task printing a gigabyte costs the
// worker one buffer of --output-tail bytes.
#ifndef COYOTES_TASK_OUTPUT_TAIL_H_
#define COYOTES_TASK_OUTPUT_TAIL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace coyotes {

class OutputTail {
 public:
  explicit OutputTail(size_t capacity) : cap_(capacity) {}

  void Append(std::string_view data);
  // The last min(capacity, total written) bytes, in order.
  std::string Take() const;
  uint64_t total() const { return total_; }
  bool empty() const { return buf_.empty(); }
  // Forgets everything written so far.
  void Clear() {
    buf_.clear();
    start_ = 0;
    total_ = 0;
  }

 private:
  size_t cap_;
  std::string buf_;  // grows to cap_, then is a ring starting at start_
  size_t start_ = 0;
  uint64_t total_ = 0;
};

}  // namespace coyotes

#endif  // COYOTES_TASK_OUTPUT_TAIL_H_
