// A crontab-like file of schedules (src/task/schedule_file.h).
#include "task/schedule_file.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <map>
#include <string>
#include <utility>

#include "base/sha256.h"
#include "task/cron.h"

namespace coyotes {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  // '\r' too: files edited on Windows end their lines with it.
  while (!s.empty() && (IsBlank(s.front()) || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (IsBlank(s.back()) || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// The next blank-separated word of `*rest`, which keeps what follows it.
std::string_view NextWord(std::string_view* rest) {
  std::string_view s = *rest;
  size_t i = 0;
  while (i < s.size() && IsBlank(s[i])) i++;
  const size_t start = i;
  while (i < s.size() && !IsBlank(s[i])) i++;
  *rest = s.substr(i);
  return s.substr(start, i - start);
}

bool IsNameChar(char c, bool first) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
         (!first && c >= '0' && c <= '9');
}

// NAME when `line` is `NAME = VALUE`, else empty.
std::string_view SettingName(std::string_view line, std::string_view* value) {
  size_t i = 0;
  while (i < line.size() && IsNameChar(line[i], i == 0)) i++;
  const std::string_view name = line.substr(0, i);
  while (i < line.size() && IsBlank(line[i])) i++;
  if (name.empty() || i == line.size() || line[i] != '=') return {};
  *value = Trim(line.substr(i + 1));
  return name;
}

bool ValidChannel(std::string_view v) {
  if (v.empty() || v.size() > 64) return false;
  for (char c : v)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
          c == '-'))
      return false;
  return true;
}

// The whole of `s` as a number (locale-independent, unlike strtod).
template <typename T>
bool ParseNumber(const std::string& s, T* out) {
  const char* end = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && p == end;
}

// Checks one setting's value; an empty value (unset) is always fine.
Status CheckSetting(std::string_view name, const std::string& value) {
  if (value.empty()) return Status::Ok();
  const std::string quoted = "'" + value + "'";
  if (name == "CHANNEL") {
    if (!ValidChannel(value))
      return InvalidArgument("CHANNEL " + quoted +
                             " is not a channel name ([A-Za-z0-9_.:-]{1,64})");
  } else if (name == "TZ") {
    if (Result<TimeZone> z = TimeZone::Load(value); !z.ok()) return z.status();
  } else if (name == "TIMEOUT") {
    double v = 0;
    if (!ParseNumber(value, &v) || !std::isfinite(v) || v < 0 || v > 10000000)
      return InvalidArgument("TIMEOUT " + quoted +
                             " is not a number of seconds in 0..10000000");
  } else if (name == "RETRY") {
    int v = 0;
    if (!ParseNumber(value, &v) || v < 0 || v > 100)
      return InvalidArgument("RETRY " + quoted +
                             " is not an integer in 0..100");
  } else if (name == "OVERLAP") {
    if (value != "allow" && value != "skip")
      return InvalidArgument("OVERLAP " + quoted + " is not allow or skip");
  }
  return Status::Ok();
}

// Splits `line` into the schedule expression (words joined by one space)
// and the command after it.
Status SplitSchedule(std::string_view line, std::string* cron,
                     std::string* command) {
  std::string_view rest = line;
  const std::string_view first = NextWord(&rest);
  int words = 5;
  if (first == "@every")
    words = 2;
  else if (first.front() == '@')
    words = 1;
  *cron = std::string(first);
  for (int i = 1; i < words; i++) {
    const std::string_view w = NextWord(&rest);
    if (w.empty()) break;
    *cron += ' ';
    *cron += w;
  }
  if (Result<CronExpr> e = CronExpr::Parse(*cron); !e.ok()) return e.status();
  *command = std::string(Trim(rest));
  if (command->empty())
    return InvalidArgument("no command after '" + *cron + "'");
  return Status::Ok();
}

}  // namespace

Result<std::vector<ScheduleFileEntry>> ParseScheduleFile(
    std::string_view text) {
  std::vector<ScheduleFileEntry> entries;
  std::map<std::string, std::string> settings;  // canonical NAME -> VALUE
  std::map<std::string, int> line_of_name;
  int number = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view raw = text.substr(0, nl);
    text = nl == text.npos ? std::string_view() : text.substr(nl + 1);
    number++;
    const auto fail = [number](const Status& s) {
      return InvalidArgument("line " + std::to_string(number) + ": " +
                             s.message());
    };
    const std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#') continue;

    std::string_view value;
    if (std::string_view name = SettingName(line, &value); !name.empty()) {
      static constexpr std::string_view kNames[] = {
          "CHANNEL", "TZ", "CRON_TZ", "TIMEOUT", "RETRY", "OVERLAP"};
      if (std::find(std::begin(kNames), std::end(kNames), name) ==
          std::end(kNames))
        return fail(InvalidArgument("unknown setting '" + std::string(name) +
                                    "' (CHANNEL, TZ, CRON_TZ, TIMEOUT, RETRY, "
                                    "OVERLAP)"));
      if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
        if (value.size() < 2 || value.back() != value.front())
          return fail(InvalidArgument("unterminated quote in the value of " +
                                      std::string(name)));
        value = value.substr(1, value.size() - 2);
      }
      // Both spellings set the one zone, so they name the same schedule.
      const std::string key = name == "CRON_TZ" ? "TZ" : std::string(name);
      const std::string v(value);
      if (Status s = CheckSetting(key, v); !s.ok()) return fail(s);
      if (v.empty())
        settings.erase(key);
      else
        settings[key] = v;
      continue;
    }

    ScheduleFileEntry e;
    e.line = number;
    if (Status s = SplitSchedule(line, &e.cron, &e.command); !s.ok())
      return fail(s);
    for (const auto& [k, v] : settings) {
      if (!e.identity.empty()) e.identity += '\n';
      e.identity += k + "=" + v;
      if (k == "CHANNEL") e.channel = v;
      if (k == "TZ") e.timezone = v;
      if (k == "TIMEOUT") (void)ParseNumber(v, &e.timeout_s);
      if (k == "RETRY") (void)ParseNumber(v, &e.retry);
      if (k == "OVERLAP") e.overlap = v;
    }
    e.identity += '\n';
    e.identity += line;
    e.name = "file:" + Sha256Hex(e.identity).substr(0, 12);
    if (const auto [it, added] = line_of_name.emplace(e.name, number); !added)
      return fail(InvalidArgument("same schedule as line " +
                                  std::to_string(it->second)));
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace coyotes
