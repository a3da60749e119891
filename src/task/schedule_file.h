// A crontab-like file of schedules, parsed and checked in one pass so that a
// bad line is reported with its number before any schedule of the file is
// used.
#ifndef COYOTES_TASK_SCHEDULE_FILE_H_
#define COYOTES_TASK_SCHEDULE_FILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace coyotes {

struct ScheduleFileEntry {
  int line = 0;          // 1-based line number in the file
  std::string name;      // "file:" + first 12 hex digits of SHA-256 of identity
  std::string cron;      // "*/5 * * * *", "@daily", "@every 5m"
  std::string command;   // the rest of the line (a shell command line)
  std::string channel;   // from CHANNEL=, "" when not set
  std::string timezone;  // from TZ= or CRON_TZ=, "" when not set (UTC)
  double timeout_s = 0;  // from TIMEOUT=, 0 when not set
  int retry = -1;        // from RETRY=, -1 when not set
  std::string overlap;   // from OVERLAP= ("allow" or "skip"), "" when not set
  // The settings in effect (sorted NAME=VALUE, '\n'-joined) + '\n' + the
  // line's text (trimmed): the same schedule keeps its name across edits of
  // other lines, and any change to it gives a new one. CRON_TZ counts as TZ.
  std::string identity;
};

// Parses the whole file text. Lines: blank or '#' comments (after leading
// blanks) are skipped; `NAME=VALUE` lines (NAME one of CHANNEL, TZ, CRON_TZ,
// TIMEOUT, RETRY, OVERLAP; blanks around '=' allowed; VALUE may be
// "double-quoted" or 'single-quoted') apply to the lines after them until
// changed (an empty VALUE unsets it); other lines are
// `MIN HOUR DOM MON DOW COMMAND...` or `@macro COMMAND...` or
// `@every DURATION COMMAND...`. Each setting and each cron expression is
// validated (CronExpr::Parse, TimeZone::Load for TZ, TIMEOUT a number
// 0..10000000, RETRY an integer 0..100, OVERLAP allow|skip, CHANNEL
// [A-Za-z0-9_.:-]{1,64}); an unknown NAME, a line with no command, and two
// entries with the same name are errors. Errors: InvalidArgument("line N:
// <what>").
Result<std::vector<ScheduleFileEntry>> ParseScheduleFile(std::string_view text);

}  // namespace coyotes

#endif  // COYOTES_TASK_SCHEDULE_FILE_H_
