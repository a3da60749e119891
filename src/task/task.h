// TaskSpec: what a producer asked for, validated. It travels through Redis
// as a compact JSON "queue item" (task_codec.h) so that a worker's one
// BLMOVE hands it everything it needs to start the process.
#ifndef COYOTES_TASK_TASK_H_
#define COYOTES_TASK_TASK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "task/limits.h"

namespace coyotes {

struct TaskSpec {
  std::string id;
  std::string name;  // "task": what the original showed; display name
  std::string channel;
  // With args absent, `command` is a shell command line run as
  // /bin/sh -c command. With args present (possibly empty), `command` is
  // the program, looked up in PATH, and args are argv[1..]: no shell.
  std::string command;
  std::optional<std::vector<std::string>> args;
  double timeout_s = 0;  // 0: the daemon's --task-timeout
  std::vector<std::pair<std::string, std::string>> env;
  std::string cwd;
  // 1 on the first run; raised by recovery each time a run was lost. It is
  // the first member of the queue item ({"a":N,...}) so that the recovery
  // script can raise it without re-encoding the JSON.
  int attempt = 1;
  // Delay: due this many seconds after the daemon received it, or at this
  // unix time (seconds); both 0: now. Not part of the queue item.
  double delay_s = 0;
  double run_at_s = 0;
  // When it became due (ms, by the clock of the daemon that queued it, or
  // of the worker that scheduled its retry): in the queue item ("due"), for
  // the wait the workers measure (GET /metrics). 0: unknown.
  int64_t due_ms = 0;
  // Runs allowed after a failed first one (-1: the channel's or
  // --retry-default), and the exit codes that are retried (empty: all).
  int retry = -1;
  std::vector<int> retry_on;
  // What the task asks for itself; the tightest of this, its channel's and
  // the daemon's applies (limits.h). Above its channel's, it is refused.
  ResourceLimits limits;

  // A script task: `script` is the text the worker writes to a file of its
  // own and runs; `interpreter` is the one the producer named ("": the
  // script's #! line, else /bin/sh). `command` is then the interpreter
  // that will run it (for the policy and the display), and `args` the
  // script's arguments.
  std::string script;
  std::string interpreter;

  // An http:// URL that the task's record is POSTed to when it ends
  // (checked by base/http_url.h); kept in the record only, not in the
  // queue item: the master delivers it, not the worker.
  std::string callback;
  // The schedule that made the task (task/schedule.h), "" for others; kept
  // in the record. Never taken from a producer's item.
  std::string schedule;

  bool uses_shell() const { return !args.has_value(); }
  bool is_script() const { return !script.empty(); }
};

// The interpreter of a script's "#!" line and its one optional argument
// (as the kernel reads it); nullopt without such a line.
struct ShebangLine {
  std::string program;
  std::string arg;  // "" when none
};
std::optional<ShebangLine> ParseShebang(std::string_view script);

// "script:" and the script's first line that is not a #! line.
std::string ScriptTaskName(std::string_view script);

// Limits on producer input, besides --max-task-bytes.
inline constexpr size_t kMaxTaskIdLength = 128;
inline constexpr size_t kMaxArgs = 4096;
inline constexpr double kMaxTimeoutS = 1e7;
// The furthest a task may be delayed: a year.
inline constexpr double kMaxDelayS = 366 * 24 * 3600.0;

}  // namespace coyotes

#endif  // COYOTES_TASK_TASK_H_
