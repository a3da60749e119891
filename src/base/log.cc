#include "base/log.h"

#include <unistd.h>

namespace coyotes {

namespace {

std::string g_role = "master";

std::string BaseName(int sev) {
  return FLAGS_log_dir + "/coyotes." + google::GetLogSeverityName(sev) + ".";
}

}  // namespace

void InitLogging(const char* argv0, bool colorful_tty) {
  if (FLAGS_log_dir.empty()) FLAGS_logtostderr = true;
  FLAGS_colorlogtostderr = colorful_tty && isatty(STDERR_FILENO);
  google::InitGoogleLogging(argv0);
  if (!FLAGS_log_dir.empty())
    for (int sev = google::GLOG_INFO; sev < google::NUM_SEVERITIES; sev++)
      google::SetLogDestination(sev, BaseName(sev).c_str());
}

void SetLogRole(const std::string& role) { g_role = role; }
const std::string& LogRole() { return g_role; }

void ReopenLogFiles() {
  if (FLAGS_log_dir.empty()) return;  // stderr belongs to the supervisor
  // glog closes a log file when its base name changes and opens a new one
  // at the next line; switching away and back forces that reopen.
  for (int sev = google::GLOG_INFO; sev < google::NUM_SEVERITIES; sev++) {
    google::SetLogDestination(sev, "/nonexistent/");
    google::SetLogDestination(sev, BaseName(sev).c_str());
  }
}

}  // namespace coyotes
