// Dropping root: --user=NAME[:GROUP] and a channel's "user".
//
// A process started as root does what needs root first (pidfile, binding
// the HTTP port, opening log files, reading secret files), then becomes
// NAME for good: supplementary groups from the group database
// (initgroups), then the group, then the user, real, effective and saved
// alike. It then proves it cannot become root again; a process that could
// exits rather than run tasks with more rights than it was given.
#ifndef COYOTES_DAEMON_PRIVILEGES_H_
#define COYOTES_DAEMON_PRIVILEGES_H_

#include <sys/types.h>

#include <string>

#include "base/status.h"

namespace coyotes {

struct RunAs {
  std::string user;   // the name, for initgroups and logs
  std::string group;  // the group's name
  uid_t uid = 0;
  gid_t gid = 0;
};

// Looks up "NAME" or "NAME:GROUP" (user and group names as the system's
// databases know them); without GROUP, NAME's primary group.
// InvalidArgument naming what is unknown.
Result<RunAs> ResolveRunAs(const std::string& spec);

// The user this process runs as (its real uid and gid), named.
RunAs CurrentUser();

// This process's real uid and gid, unnamed. No user database lookup: a
// lookup loads the name service's modules and buffers, and every worker
// forked afterwards would carry their pages (about 1 MB over a master and
// five workers, measured).
RunAs CurrentIds();

// The name of `uid` ("" when the user database has none).
std::string UserName(uid_t uid);

// Becomes `who` for good (see above); Ok without doing anything when the
// process already runs as exactly that uid and gid. Errors name the step.
Status DropPrivileges(const RunAs& who);

// Ok when neither the uid nor the gid can be set back to 0.
Status CheckCannotRegainRoot();

}  // namespace coyotes

#endif  // COYOTES_DAEMON_PRIVILEGES_H_
