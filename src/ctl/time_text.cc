#include "ctl/time_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace coyotes {

namespace {

// Exactly `n` digits at `s[pos]`.
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar, with
// no time zone involved (timegm is a GNU extension; this is the same sum).
int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

Result<double> ParseSeconds(std::string_view text, std::string_view what) {
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() ||
      !std::isfinite(v) || v < 0)
    return InvalidArgument(std::string(what) +
                           ": expected a number of seconds, got '" +
                           std::string(text) + "'");
  return v;
}

Result<long long> ParseWhole(std::string_view text, std::string_view what,
                             long long min, long long max) {
  long long v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() ||
      v < min || v > max)
    return InvalidArgument(std::string(what) + ": expected a whole number " +
                           "from " + std::to_string(min) + " to " +
                           std::to_string(max) + ", got '" + std::string(text) +
                           "'");
  return v;
}

Result<double> ParseAtTime(std::string_view text) {
  const Status bad = InvalidArgument(
      "--at: expected Unix seconds or YYYY-MM-DDTHH:MM:SS[Z|+HH:MM], got '" +
      std::string(text) + "'");
  if (!text.empty() && text.find('-') == std::string_view::npos &&
      text.find(':') == std::string_view::npos) {
    Result<double> unix = ParseSeconds(text, "--at");
    if (!unix.ok()) return bad;
    return unix;
  }
  int y, mo, d, h, mi, s;
  if (text.size() < 19 || !Digits(text, 0, 4, &y) || text[4] != '-' ||
      !Digits(text, 5, 2, &mo) || text[7] != '-' || !Digits(text, 8, 2, &d) ||
      (text[10] != 'T' && text[10] != ' ') || !Digits(text, 11, 2, &h) ||
      text[13] != ':' || !Digits(text, 14, 2, &mi) || text[16] != ':' ||
      !Digits(text, 17, 2, &s))
    return bad;
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo) || h > 23 ||
      mi > 59 || s > 60)
    return bad;
  std::string_view zone = text.substr(19);
  if (zone.empty()) {
    // Local time: mktime applies TZ and its daylight-saving rules.
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    tm.tm_isdst = -1;
    std::time_t t = std::mktime(&tm);
    if (t == static_cast<std::time_t>(-1)) return bad;
    return static_cast<double>(t);
  }
  int64_t offset_s = 0;
  if (zone == "Z" || zone == "z") {
    offset_s = 0;
  } else {
    int oh, om;
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') ||
        !Digits(zone, 1, 2, &oh) || zone[3] != ':' ||
        !Digits(zone, 4, 2, &om) || oh > 23 || om > 59)
      return bad;
    offset_s = (oh * 3600 + om * 60) * (zone[0] == '-' ? -1 : 1);
  }
  const int64_t utc =
      DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset_s;
  return static_cast<double>(utc);
}

std::string FormatMs(int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string FormatRelative(int64_t unix_ms, int64_t now_ms) {
  const int64_t diff = unix_ms - now_ms;
  int64_t s = (diff < 0 ? -diff : diff) / 1000;
  std::string n;
  if (s < 120)
    n = std::to_string(s) + "s";
  else if (s < 2 * 3600)
    n = std::to_string(s / 60) + "m";
  else if (s < 2 * 86400)
    n = std::to_string(s / 3600) + "h";
  else
    n = std::to_string(s / 86400) + "d";
  return diff >= 0 ? "in " + n : n + " ago";
}

}  // namespace coyotes
