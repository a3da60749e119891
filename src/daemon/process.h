// The one fork helper of the daemon.
//
// The master forks workers from inside its libevent loop. The child must not
// touch the parent's event base, Redis connections, HTTP listener or pid
// file, and must not receive the signals libevent routes to the parent. So:
// all signals are blocked across fork(); the child resets every disposition
// the master set, keeps only the descriptors it is given (renumbered from
// 3), reopens its log files, unblocks signals and runs `body`, whose return
// value is its exit status. The parent gets the pid.
#ifndef COYOTES_DAEMON_PROCESS_H_
#define COYOTES_DAEMON_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <vector>

#include "base/status.h"

namespace coyotes {

// `keep` lists descriptors the child needs; in the child they are renumbered
// 3, 4, ... in order, and `body` receives the new numbers.
Result<pid_t> ForkChild(
    const std::vector<int>& keep,
    const std::function<int(const std::vector<int>&)>& body);

}  // namespace coyotes

#endif  // COYOTES_DAEMON_PROCESS_H_
