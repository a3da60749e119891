// The messages a worker reads from its master's control pipe: "D" (drain),
// "F" (fast stop) and "C<task id>\n" (cancel that task if it runs).
//
// Invariant: messages are taken in the order they came; a cancel whose
// newline has not come yet waits in the buffer for the next read.
#ifndef COYOTES_DAEMON_WORKER_CONTROL_H_
#define COYOTES_DAEMON_WORKER_CONTROL_H_

#include <string>
#include <vector>

namespace coyotes {

// One message of the control pipe.
struct ControlMessage {
  enum class Kind { kDrain, kFastStop, kCancel };
  Kind kind;
  std::string task_id;  // kCancel only

  bool operator==(const ControlMessage&) const = default;
};

// Takes the complete messages off the front of *buf, in order. A cancel
// whose newline has not come yet stays in *buf for the next read; any
// other byte is skipped.
std::vector<ControlMessage> TakeControlMessages(std::string* buf);

}  // namespace coyotes

#endif  // COYOTES_DAEMON_WORKER_CONTROL_H_
