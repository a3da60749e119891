// Exit codes are an API (sysexits.h), and wait statuses are described the
// same way everywhere: "exited 3", "killed by SIGKILL (core dumped)".
#ifndef COYOTES_BASE_EXIT_STATUS_H_
#define COYOTES_BASE_EXIT_STATUS_H_

#include <string>

namespace coyotes {

// The daemon's own exit statuses.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;      // bad flag, pidfile held, bad auth
inline constexpr int kExitSoftware = 70;  // internal error (EX_SOFTWARE)
inline constexpr int kExitConfig = 78;    // EX_CONFIG: a worker that exits so
                                          // is never respawned

// "exited 0", "exited 3", "killed by SIGTERM", "killed by SIGSEGV (core
// dumped)".
std::string DescribeWaitStatus(int status);
// "SIGTERM" for 15; "signal 77" for an unknown one.
std::string SignalName(int sig);

}  // namespace coyotes

#endif  // COYOTES_BASE_EXIT_STATUS_H_
