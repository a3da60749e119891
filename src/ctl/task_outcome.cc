#include "ctl/task_outcome.h"

#include <csignal>
#include <string>

#include "base/exit_status.h"

namespace coyotes {

bool IsFinalState(std::string_view state) {
  return state == "succeeded" || state == "failed" || state == "cancelled";
}

int SignalNumber(std::string_view name) {
  std::string full(name);
  if (full.compare(0, 3, "SIG") != 0) full = "SIG" + full;
  // The daemon names signals with SignalName; asking the same function
  // for every number keeps the two sides in step (SIGRTMIN+n included).
  for (int sig = 1; sig < NSIG; ++sig)
    if (SignalName(sig) == full) return sig;
  return 0;
}

int TaskExitStatus(const json_t* record) {
  const char* state = json_string_value(json_object_get(record, "state"));
  if (state == nullptr || std::string_view(state) == "cancelled") return 1;
  const json_t* code = json_object_get(record, "exit_code");
  if (json_is_integer(code)) {
    const json_int_t c = json_integer_value(code);
    return c >= 0 && c <= 255 ? static_cast<int>(c) : 1;
  }
  const char* sig = json_string_value(json_object_get(record, "signal"));
  if (sig != nullptr) {
    const int n = SignalNumber(sig);
    if (n > 0) return 128 + n;
  }
  // Failed without a status: it could not be started, timed out before
  // its end was known, or was refused by its channel.
  return std::string_view(state) == "succeeded" ? 0 : 1;
}

}  // namespace coyotes
