// The API's view of a task record (coyotes(8), "Task records"): the JSON
// object GET /tasks/ID and the task lists show, built from the record's
// HGETALL fields. Pure, so the view does not depend on a live Redis.
#ifndef COYOTES_HTTP_TASK_RECORD_H_
#define COYOTES_HTTP_TASK_RECORD_H_

#include <jansson.h>

#include <string>
#include <utility>
#include <vector>

namespace coyotes {

// The state the API shows: the record's, except that a delayed task that is
// due (promoted to its queue) is "queued".
std::string EffectiveState(
    const std::vector<std::pair<std::string, std::string>>& fields);

// The API's JSON view of a task record (HGETALL reply as field/value
// pairs): exactly the keys of coyotes(8), "Task records".
json_t* TaskRecordJson(
    const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace coyotes

#endif  // COYOTES_HTTP_TASK_RECORD_H_
