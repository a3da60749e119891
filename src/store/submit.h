// Accepting tasks into Redis: one call of the route script for a batch of
// tasks, from the router (producer items, each removed from the router's
// in-progress list in the same step) or from the HTTP API (POSTed tasks).
// The script creates the record and queues the item, or puts it in the
// delayed set, or refuses it (channel limit, duplicate id, distinct
// command) in one atomic step.
#ifndef COYOTES_STORE_SUBMIT_H_
#define COYOTES_STORE_SUBMIT_H_

#include <functional>
#include <string>
#include <vector>

#include "base/config.h"
#include "store/async_redis.h"
#include "store/redis_keys.h"
#include "task/task.h"

namespace coyotes {

// The outcome of submitting one task (from the router or from HTTP).
enum class SubmitResult {
  kQueued,
  kChannelsFull,
  kDuplicate,
  kDistinct,
  kError
};

struct SubmitOutcome {
  SubmitResult result = SubmitResult::kError;
  bool channel_created = false;
  Status status;  // for kError
};

// A task to route, and the raw producer item it came from ("" over HTTP).
struct Submission {
  TaskSpec spec;
  std::string payload;
};

// The keys and arguments of the route script for a batch of tasks
// (src/store/lua/route.lua documents their layout).
struct RouteCall {
  std::vector<std::string> keys, args;
};
// `guard`: a schedule's guard (route.lua), "" for any other task.
RouteCall BuildRouteCall(const RedisKeys& keys, const Config& config,
                         const std::vector<Submission>& tasks,
                         const std::string& proc_key,
                         const std::string& guard = "");

// Routes a batch in one script call; one outcome per task, in order.
void SubmitTasks(AsyncRedis* redis, const RedisKeys& keys, const Config& config,
                 const std::vector<Submission>& tasks,
                 const std::string& proc_key,
                 std::function<void(std::vector<SubmitOutcome>)> done);

// Runs the route script for `spec` (its id must be set). `payload` is the
// raw producer item and `proc_key` the in-progress list holding it (both ""
// over HTTP: there is no in-progress copy to remove).
void SubmitTask(AsyncRedis* redis, const RedisKeys& keys, const Config& config,
                const TaskSpec& spec, const std::string& proc_key,
                const std::string& payload,
                std::function<void(SubmitOutcome)> done);

// The default settings of a channel created on first use, as stored in
// coyotes:channels.
std::string DefaultChannelSettings(const Config& config);

// A dead-letter entry: {"reason","payload","at"} with the payload made
// valid UTF-8.
std::string DeadLetterEntry(const std::string& reason,
                            const std::string& payload);

}  // namespace coyotes

#endif  // COYOTES_STORE_SUBMIT_H_
