// Logging set-up and the process's name in every log line.
//
// glog gives the time, level, pid and source line; LOGR adds who speaks
// ("master", "worker default/3") so that an operator can grep one process.
// Rules: INFO for lifecycle and one line per task start and end with
// key=value tokens; WARNING for recoverable trouble; ERROR when an operator
// must act.
#ifndef COYOTES_BASE_LOG_H_
#define COYOTES_BASE_LOG_H_

#include <glog/logging.h>

#include <string>

namespace coyotes {

// Initialises glog: stderr unless --log_dir is given; colours when asked
// and stderr is a terminal.
void InitLogging(const char* argv0, bool colorful_tty);
// Names the current process in later lines; called after each fork.
void SetLogRole(const std::string& role);
const std::string& LogRole();
// Closes and reopens the log files (SIGHUP, for logrotate).
void ReopenLogFiles();

}  // namespace coyotes

#define LOGR(severity) LOG(severity) << ::coyotes::LogRole() << ": "

#endif  // COYOTES_BASE_LOG_H_
