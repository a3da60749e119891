// Times as people type and read them: --at's Unix time or ISO-8601 local
// or zoned time, and the Unix-millisecond fields of records shown in
// tables. Pure, so that the calendar arithmetic is unit-tested.
#ifndef COYOTES_CTL_TIME_TEXT_H_
#define COYOTES_CTL_TIME_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace coyotes {

// Unix seconds from "1700000000" (fractions allowed) or
// "YYYY-MM-DDTHH:MM:SS" followed by "Z", "+HH:MM" or "-HH:MM" (without a
// zone: the local time of TZ). InvalidArgument otherwise.
Result<double> ParseAtTime(std::string_view text);

// A number of seconds >= 0, fractions allowed ("1.5"). InvalidArgument
// names `what` otherwise.
Result<double> ParseSeconds(std::string_view text, std::string_view what);

// A whole number from `min` to `max`.
Result<long long> ParseWhole(std::string_view text, std::string_view what,
                             long long min, long long max);

// "2024-03-01 14:05:09" in local time, for a Unix time in ms; "-" for 0
// or less.
std::string FormatMs(int64_t unix_ms);

// How far `unix_ms` is from `now_ms`, short: "5s", "3m", "2h", "4d",
// prefixed "in " when ahead and followed by " ago" when behind.
std::string FormatRelative(int64_t unix_ms, int64_t now_ms);

}  // namespace coyotes

#endif  // COYOTES_CTL_TIME_TEXT_H_
