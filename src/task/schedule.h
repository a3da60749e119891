// A schedule: a task definition fired at the due times of a cron
// expression (POST /schedules, --schedule-file). This file holds its
// validation, the JSON stored in Pcoyotes:schedules, and the decision of
// what a due time fires; the firing itself is daemon/scheduler.cc.
#ifndef COYOTES_TASK_SCHEDULE_H_
#define COYOTES_TASK_SCHEDULE_H_

#include <jansson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_util.h"
#include "base/status.h"
#include "task/cron.h"
#include "task/task.h"
#include "task/task_codec.h"

namespace coyotes {

struct Schedule {
  std::string name;
  std::string cron;  // as given
  std::string timezone = "UTC";
  bool overlap_skip = false;  // overlap: skip
  bool missed_skip = false;   // missed: skip
  bool enabled = true;
  int64_t created_ms = 0;       // @every counts from here
  std::string source = "http";  // or "file" (--schedule-file)
  // The task each due time makes: a producer item's fields ("chan" set,
  // no id, delay or run_at), already checked by TaskFromJsonObject.
  JsonPtr item;

  std::optional<CronExpr> expr;  // set once checked
  TimeZone zone = TimeZone::Utc();
};

// Schedule names: [A-Za-z0-9_.:-]{1,64}.
bool IsValidScheduleName(std::string_view name);

// Checks a definition: `fields` holds name, cron, timezone, overlap,
// missed, enabled and the task's fields as a producer item has them
// ("chan" for the channel). A bad field is InvalidArgument naming it.
Result<Schedule> ScheduleFromJson(const json_t* fields,
                                  const ProducerLimits& limits,
                                  int64_t created_ms);

// The text stored in Pcoyotes:schedules, and back. A stored text that no
// longer reads (edited by hand, a zone removed from the system) is an
// error naming the schedule; the scheduler logs it and skips it.
std::string ScheduleJson(const Schedule& s);
Result<Schedule> ParseStoredSchedule(const std::string& name,
                                     const std::string& text);

// --schedule-file's text as schedules (source "file"), in file order. An
// error names the line (task/schedule_file.h), also for a command that is
// not a valid task.
Result<std::vector<Schedule>> SchedulesFromFile(std::string_view text,
                                                const ProducerLimits& limits,
                                                int64_t created_ms);

// The same from the file at `path`: InvalidArgument "PATH: line N: ..."
// (or why it cannot be read).
Result<std::vector<Schedule>> ReadScheduleFile(const std::string& path,
                                               const ProducerLimits& limits,
                                               int64_t created_ms);

// The task a due time makes, with the id sched:<name>:<unix seconds> and
// the schedule named in its record.
Result<TaskSpec> ScheduledTask(const Schedule& s, int64_t due_ms,
                               const ProducerLimits& limits);

// The first due time after `after_ms` (ms), if any.
std::optional<int64_t> NextDue(const Schedule& s, int64_t after_ms);

// What to do with a due time `due_ms` (the schedule's stored next) seen at
// `now_ms`. A due time later than `grace_ms` was missed: no daemon was up.
// Then missed=once fires the latest due time that passed, missed=skip
// none. `next_ms` is the due time to store after this one (nullopt: none
// is left).
struct DueDecision {
  std::optional<int64_t> fire_ms;
  std::optional<int64_t> next_ms;
  bool missed = false;
};
DueDecision DecideDue(const Schedule& s, int64_t due_ms, int64_t now_ms,
                      int64_t grace_ms);

}  // namespace coyotes

#endif  // COYOTES_TASK_SCHEDULE_H_
