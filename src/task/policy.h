// A channel's command policy: which programs its tasks may run, whether a
// shell may parse them, and which environment variables they may set.
//
// Checked twice: when a task is routed (a refusal is a dead letter or an
// HTTP 403, nothing queued) and by the worker right before the spawn (the
// settings may have changed since; then the task fails, never run). The
// program is resolved the way the spawn will find it, through PATH and
// then realpath, and the worker execs exactly the file it checked, so a
// symlink swapped in between cannot widen the policy.
#ifndef COYOTES_TASK_POLICY_H_
#define COYOTES_TASK_POLICY_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "task/task.h"

namespace coyotes {

struct CommandPolicy {
  // false: a task string that needs /bin/sh is refused; plain words and
  // command+args tasks run without a shell.
  bool shell = true;
  // Absolute, resolved paths (realpath) of the programs tasks may run;
  // nullopt: any program.
  std::optional<std::vector<std::string>> allow;
  // Names a task may set in its env; nullopt: any name.
  std::optional<std::vector<std::string>> env_allow;
  // The variables the dynamic loader reads (LD_* and others) are refused
  // whatever env_allow says: set for channels with `allow` or `isolate`.
  bool refuse_loader_env = false;

  bool unrestricted() const {
    return shell && !allow && !env_allow && !refuse_loader_env;
  }
};

// What a task will exec once the policy has let it through: the program's
// resolved path ("" when the policy has no allow list and the normal PATH
// search applies) and its argv. A shell-free task string is split into
// words here.
struct PolicyDecision {
  std::string refusal;       // "": allowed
  std::string program;       // the resolved file to exec, or ""
  bool split_words = false;  // run the task string's words without a shell
};

// Decides for `spec` in `channel`; `path` is PATH's value at run time (null
// when unset).
PolicyDecision CheckPolicy(const TaskSpec& spec, const CommandPolicy& policy,
                           const std::string& channel, const char* path);

// Resolves an `allow` entry when the channel is created: an absolute path
// as it is, a bare name through `path`; then realpath. InvalidArgument
// when there is no such executable file.
Result<std::string> ResolveAllowEntry(const std::string& entry,
                                      const char* path);

// Whether the dynamic loader reads `name` (LD_*, GLIBC_TUNABLES, ...).
bool IsLoaderVariable(std::string_view name);

}  // namespace coyotes

#endif  // COYOTES_TASK_POLICY_H_
