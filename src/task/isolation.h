// What a task is isolated by: resource limits and namespaces, and a probe
// of what the host can provide.
//
// The rule: a task never runs with less isolation than was asked for. What
// the host cannot give (a namespace refused, a limit above the worker's
// hard limit) stops the spawn with a reason; nothing falls back.
//
//   net         a network namespace with only `lo`, brought up: the task's
//               own localhost works, nothing else is reachable (no route
//               out, none of the host's loopback services)
//   tmp         a mount namespace (propagation private) with an empty tmpfs
//               on /tmp and on /var/tmp; gone when the task ends
//   pid         a PID namespace whose init is ours (isolated_spawn.h): when
//               the task's main process ends, or is stopped, every process
//               it left behind is killed by the kernel
//   nonewprivs  PR_SET_NO_NEW_PRIVS: setuid and file capabilities grant
//               nothing; implied by each of the others
//
// As root the namespaces need nothing more; any other daemon user gets a
// user namespace that maps its uid and gid to themselves (so `id -u` is
// unchanged inside), and where the kernel refuses one the task does not run.
#ifndef COYOTES_TASK_ISOLATION_H_
#define COYOTES_TASK_ISOLATION_H_

#include <string>
#include <string_view>

#include "base/status.h"
#include "task/limits.h"

namespace coyotes {

enum : unsigned {
  kIsolateNet = 1,
  kIsolateTmp = 2,
  kIsolatePid = 4,
  kIsolateNoNewPrivs = 8
};
inline constexpr unsigned kIsolateAll =
    kIsolateNet | kIsolateTmp | kIsolatePid | kIsolateNoNewPrivs;

struct Isolation {
  ResourceLimits limits;
  unsigned isolate = 0;  // kIsolate* bits

  bool empty() const { return isolate == 0 && limits.empty(); }
  // Any namespace: the spawn then clones instead of vforking.
  bool namespaces() const {
    return (isolate & (kIsolateNet | kIsolateTmp | kIsolatePid)) != 0;
  }
};

// The names of the bits in `isolate`, comma-separated in the order net,
// tmp, pid, nonewprivs ("" for none).
std::string IsolateNames(unsigned isolate);
// The bit of one name, or 0 for a name that is not one of them.
unsigned IsolateBit(std::string_view name);

// Whether the host can isolate a task as `isolate` asks: a throwaway child
// goes through the same setup a task's spawn does and reports the step that
// failed, e.g. Unavailable("net namespace: Operation not permitted").
// The answer is remembered per set of bits (the host does not change under
// a running daemon often enough to ask again; a spawn still fails cleanly
// if it does).
Status IsolationAvailable(unsigned isolate);

}  // namespace coyotes

#endif  // COYOTES_TASK_ISOLATION_H_
