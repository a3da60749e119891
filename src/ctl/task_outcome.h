// What a finished task means to a shell script that waited for it: the
// exit status coyotesctl ends with, as a shell reports a child's (the exit
// code; 128 + the signal number when a signal ended it), and 1 when the
// task has no status of its own (cancelled, or never started).
#ifndef COYOTES_CTL_TASK_OUTCOME_H_
#define COYOTES_CTL_TASK_OUTCOME_H_

#include <jansson.h>

#include <string_view>

namespace coyotes {

// succeeded, failed (for good: a pending retry shows as delayed) and
// cancelled; every other state may still change.
bool IsFinalState(std::string_view state);

// 9 for "SIGKILL" (or "KILL"); 0 for a name this system does not know.
int SignalNumber(std::string_view name);

// The exit status for a record of GET /tasks/{id} in a final state.
int TaskExitStatus(const json_t* record);

}  // namespace coyotes

#endif  // COYOTES_CTL_TASK_OUTCOME_H_
