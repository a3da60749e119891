// Request fields (a decoded form or JSON body) to a task: the one place
// POST /channels/NAME's fields are named and checked. Pure.
#ifndef COYOTES_HTTP_TASK_FORM_H_
#define COYOTES_HTTP_TASK_FORM_H_

#include <cstdint>
#include <string>

#include "base/json_util.h"
#include "base/status.h"
#include "http/form.h"
#include "task/task.h"

namespace coyotes {

// Builds a task from request fields for `channel`: task, command, args
// (repeated), timeout, id, env (a JSON object), cwd, delay, run_at, retry,
// retry_on (repeated). Numbers arrive as text and then follow the JSON
// producers' rules (task/task_codec.h).
Result<TaskSpec> TaskFromForm(const Form& form, const std::string& channel,
                              int64_t max_task_bytes);
// The same fields as a producer item's JSON object ("chan" = `channel`),
// not yet checked beyond their types: for definitions that hold a task
// (POST /schedules).
Result<JsonPtr> TaskObjectFromForm(const Form& form, const std::string& channel,
                                   int64_t max_task_bytes);

}  // namespace coyotes

#endif  // COYOTES_HTTP_TASK_FORM_H_
