// Schedule expressions (cron fields, macros, @every) and their due times in
// a time zone of the tz database: pure functions, no clock, no environment.
//
// Local time comes from our own reader of the zone's TZif file (the 64-bit
// data and the POSIX TZ footer that covers times after the last listed
// transition, which "slim" tzdata relies on), not from localtime_r: that
// would need TZ set for the whole process, and the result must not depend
// on the caller's TZ nor change what other code sees.
#ifndef COYOTES_TASK_CRON_H_
#define COYOTES_TASK_CRON_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace coyotes {

// A time zone of the system's tz database (TZDIR, else /usr/share/zoneinfo).
// Cheap to copy: the loaded rules are shared and immutable.
class TimeZone {
 public:
  // "UTC" always works. Other names: [A-Za-z0-9_+-]+ segments separated by
  // '/', no "..", no leading '/', and the zoneinfo file must exist and start
  // with the "TZif" magic; else InvalidArgument("unknown time zone 'X'").
  static Result<TimeZone> Load(const std::string& name);
  static TimeZone Utc();

  const std::string& name() const { return name_; }

  // Seconds east of UTC in effect at `unix_s`.
  int32_t UtcOffset(int64_t unix_s) const;
  // The first instant at which the wall clock reads `local_s` (a local time
  // counted like Unix seconds), or nullopt when a change of offset skips it.
  std::optional<int64_t> LocalToUtc(int64_t local_s) const;

  // Opaque: public only so that the helpers in cron.cc can name it.
  struct Rules;

 private:
  TimeZone(std::string name, std::shared_ptr<const Rules> rules)
      : name_(std::move(name)), rules_(std::move(rules)) {}

  std::string name_;
  std::shared_ptr<const Rules> rules_;
};

// A parsed schedule expression.
class CronExpr {
 public:
  // Five fields "minute hour day-of-month month day-of-week": each `*`, a
  // number, a range `a-b`, a list `a,b,...` (of any of these), a step `*/n`
  // or `a-b/n` (also `a/n` meaning a-max/n, as Vixie cron). Month names
  // JAN-DEC and day names SUN-SAT, any case. Day-of-week 0 and 7 are Sunday.
  // Fields separated by blanks (spaces/tabs), leading/trailing blanks
  // ignored. Or a macro (lower case, as Vixie cron): @yearly @annually
  // @monthly @weekly @daily @midnight @hourly. Or "@every DURATION": 30s,
  // 5m, 2h, 1h30m, 1h30m15s (units h, m, s, each at most once, in that
  // order), at least 1 s, at most 366 days.
  // Errors are InvalidArgument naming the field and the value, e.g.
  // "cron field 'hour': '24' is out of range 0-23".
  static Result<CronExpr> Parse(std::string_view text);

  bool is_every() const { return every_s_ > 0; }
  int64_t every_s() const { return every_s_; }  // the period of @every, else 0

  // The first due time strictly after `after_s` (Unix seconds), or nullopt
  // when there is none within the next 5 years (e.g. "0 0 30 2 *").
  // Cron expressions are matched against local wall-clock time in `zone`:
  //  - when both day-of-month and day-of-week are restricted (neither
  //    field starts with '*'), a day matches when EITHER matches (Vixie
  //    cron); otherwise both must match;
  //  - a local time that a DST change skips (does not exist) does not fire;
  //  - a local time that happens twice (DST fall-back) fires once, at the
  //    first occurrence.
  // @every: due times are anchor_s + k * period (k >= 1), the zone does not
  // matter.
  std::optional<int64_t> Next(int64_t after_s, const TimeZone& zone,
                              int64_t anchor_s) const;
  // The next `n` due times after `after_s` (fewer if Next runs out).
  std::vector<int64_t> NextN(int64_t after_s, const TimeZone& zone,
                             int64_t anchor_s, int n) const;

 private:
  CronExpr() = default;

  int64_t every_s_ = 0;
  uint64_t minutes_ = 0;   // bit i: minute i
  uint32_t hours_ = 0;     // bit i: hour i
  uint32_t days_ = 0;      // bit i: day of month i (1-31)
  uint32_t months_ = 0;    // bit i: month i (1-12)
  uint32_t weekdays_ = 0;  // bit i: day of week i (0 Sunday - 6)
  bool day_star_ = false;  // the day-of-month field starts with '*'
  bool weekday_star_ = false;
};

}  // namespace coyotes

#endif  // COYOTES_TASK_CRON_H_
