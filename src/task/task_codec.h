// JSON <-> TaskSpec: the producer's item (the original's {"task","chan","ts"}
// plus our extensions) and the queue item the router hands to workers.
//
// Producer input is untrusted: every field is type-checked, every limit is
// enforced here, and a failure is a message fit for the dead-letter list.
#ifndef COYOTES_TASK_TASK_CODEC_H_
#define COYOTES_TASK_TASK_CODEC_H_

#include <jansson.h>

#include <string>
#include <string_view>

#include "base/status.h"
#include "task/task.h"

namespace coyotes {

struct ProducerLimits {
  std::string default_channel = "default";
  int64_t max_task_bytes = 1 << 20;
};

// Parses one item of task:prepare:queue. A missing id is left empty (the
// caller assigns one).
Result<TaskSpec> ParseProducerItem(std::string_view payload,
                                   const ProducerLimits& limits);
// The same rules over an already parsed JSON object (the HTTP API's JSON
// body and form fields converge here).
Result<TaskSpec> TaskFromJsonObject(const json_t* obj,
                                    const ProducerLimits& limits);

// The queue item: compact, canonical, decoded by workers and by the
// recovery script (which reads "id" and "chan").
std::string EncodeQueueItem(const TaskSpec& spec);
Result<TaskSpec> DecodeQueueItem(std::string_view item);

// Seconds until a delayed task falls due by the local clock (the scripts
// use Redis's); 0 or less: not delayed.
double DueInSeconds(const TaskSpec& spec);

// A new unique task id: 12 random bytes from getrandom(2), as 24 hex digits.
std::string NewTaskId();
bool IsValidTaskId(std::string_view id);

}  // namespace coyotes

#endif  // COYOTES_TASK_TASK_CODEC_H_
