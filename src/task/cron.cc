// Schedule expressions and time zones (src/task/cron.h).
#include "task/cron.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace coyotes {

// The zone's offsets as the TZif file lists them, and the POSIX TZ rule
// ("CET-1CEST,M3.5.0,M10.5.0/3") for times after the last listed change.
struct TimeZone::Rules {
  struct Date {
    enum class Kind { kJulian, kZeroBased, kMonthWeekDay };
    Kind kind = Kind::kMonthWeekDay;
    int a = 0, b = 0, c = 0;  // n; n; or month, week, day
    int32_t time_s = 7200;    // local time of day of the change, may be <0
  };
  std::vector<int64_t> transitions;  // sorted Unix seconds
  std::vector<uint8_t> type_of;      // per transition, index into offsets
  std::vector<int32_t> offsets;      // per local time type, s east of UTC
  bool has_footer = false;
  int32_t std_offset = 0;  // east of UTC
  bool has_dst = false;
  int32_t dst_offset = 0;
  Date dst_start, dst_end;
};

namespace {

constexpr int64_t kDay = 86400;
constexpr int kHorizonDays = 5 * 366;
// Far beyond any year we care about, yet day counts stay small.
constexpr int64_t kTimeLimit = int64_t{1} << 40;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Days since 1970-01-01 of a proleptic Gregorian date and back (Howard
// Hinnant's algorithms).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  int64_t y;
  int m, d;
};

Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2), m, d};
}

bool IsLeap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

int Weekday(int64_t days) {  // 0 = Sunday; 1970-01-01 was a Thursday
  return static_cast<int>(days + 4 - FloorDiv(days + 4, 7) * 7);
}

// ---- POSIX TZ strings (the TZif footer) ----

class TzStringParser {
 public:
  explicit TzStringParser(std::string_view s) : s_(s) {}

  bool Parse(TimeZone::Rules* r) {
    int32_t west = 0;
    if (!Name() || !Offset(24, &west)) return false;
    r->std_offset = -west;
    if (AtEnd()) return true;
    if (!Name()) return false;
    r->has_dst = true;
    r->dst_offset = r->std_offset + 3600;
    if (!AtEnd() && s_[i_] != ',') {
      if (!Offset(24, &west)) return false;
      r->dst_offset = -west;
    }
    if (AtEnd()) {  // no rule: the POSIX default glibc uses (US rules)
      r->dst_start = {TimeZone::Rules::Date::Kind::kMonthWeekDay, 3, 2, 0};
      r->dst_end = {TimeZone::Rules::Date::Kind::kMonthWeekDay, 11, 1, 0};
      return true;
    }
    return Eat(',') && DateRule(&r->dst_start) && Eat(',') &&
           DateRule(&r->dst_end) && AtEnd();
  }

 private:
  bool AtEnd() const { return i_ >= s_.size(); }
  bool Eat(char c) {
    if (AtEnd() || s_[i_] != c) return false;
    i_++;
    return true;
  }
  bool Name() {
    if (Eat('<')) {
      size_t start = i_;
      while (!AtEnd() && s_[i_] != '>') i_++;
      return i_ - start >= 3 && Eat('>');
    }
    size_t start = i_;
    while (!AtEnd() && ((s_[i_] >= 'A' && s_[i_] <= 'Z') ||
                        (s_[i_] >= 'a' && s_[i_] <= 'z')))
      i_++;
    return i_ - start >= 3;
  }
  bool Number(int max, int* out) {
    size_t start = i_;
    int v = 0;
    while (!AtEnd() && s_[i_] >= '0' && s_[i_] <= '9' && i_ - start < 4)
      v = v * 10 + (s_[i_++] - '0');
    *out = v;
    return i_ > start && v <= max;
  }
  // [+-]hh[:mm[:ss]], hours up to `max_hours` (167 in RFC 8536 rule times).
  bool Offset(int max_hours, int32_t* out) {
    int sign = 1;
    if (Eat('-'))
      sign = -1;
    else
      Eat('+');
    int h = 0, m = 0, s = 0;
    if (!Number(max_hours, &h)) return false;
    if (Eat(':')) {
      if (!Number(59, &m)) return false;
      if (Eat(':') && !Number(59, &s)) return false;
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return true;
  }
  bool DateRule(TimeZone::Rules::Date* d) {
    using Kind = TimeZone::Rules::Date::Kind;
    if (Eat('J')) {
      d->kind = Kind::kJulian;
      if (!Number(365, &d->a) || d->a < 1) return false;
    } else if (Eat('M')) {
      d->kind = Kind::kMonthWeekDay;
      if (!Number(12, &d->a) || d->a < 1 || !Eat('.') || !Number(5, &d->b) ||
          d->b < 1 || !Eat('.') || !Number(6, &d->c))
        return false;
    } else {
      d->kind = Kind::kZeroBased;
      if (!Number(365, &d->a)) return false;
    }
    d->time_s = 7200;
    if (Eat('/')) return Offset(167, &d->time_s);
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
};

// Local seconds (counted like Unix seconds) at which `d` happens in year y.
int64_t RuleDateLocal(const TimeZone::Rules::Date& d, int64_t y) {
  using Kind = TimeZone::Rules::Date::Kind;
  const int64_t jan1 = DaysFromCivil(y, 1, 1);
  int64_t day = 0;
  switch (d.kind) {
    case Kind::kJulian:  // 1-365, February 29 never counted
      day = jan1 + d.a - 1 + (IsLeap(y) && d.a >= 60 ? 1 : 0);
      break;
    case Kind::kZeroBased:
      day = jan1 + d.a;
      break;
    case Kind::kMonthWeekDay: {
      const int64_t first = DaysFromCivil(y, d.a, 1);
      day = first + (d.c - Weekday(first) + 7) % 7 + 7 * (d.b - 1);
      while (day >= first + DaysInMonth(y, d.a)) day -= 7;
      break;
    }
  }
  return day * kDay + d.time_s;
}

int32_t FooterOffset(const TimeZone::Rules& r, int64_t t) {
  if (!r.has_dst) return r.std_offset;
  const int64_t year = CivilFromDays(FloorDiv(t + r.std_offset, kDay)).y;
  // The latest change at or before t among those of the years around it.
  // When a year's end meets the next year's start ("EST5EDT,0/0,J365/25"),
  // the start wins: that is how tzdata writes all-year DST.
  int64_t best = std::numeric_limits<int64_t>::min();
  bool dst = false;
  for (int64_t y = year - 1; y <= year + 1; y++) {
    const int64_t start = RuleDateLocal(r.dst_start, y) - r.std_offset;
    const int64_t end = RuleDateLocal(r.dst_end, y) - r.dst_offset;
    if (start <= t && start >= best) best = start, dst = true;
    if (end <= t && end > best) best = end, dst = false;
  }
  return dst ? r.dst_offset : r.std_offset;
}

// ---- TZif files ----

class Reader {
 public:
  explicit Reader(std::string_view data) : d_(data) {}
  bool Has(size_t n) const { return d_.size() - pos_ >= n; }
  size_t pos() const { return pos_; }
  void Skip(size_t n) { pos_ += n; }
  uint8_t U8() { return static_cast<uint8_t>(d_[pos_++]); }
  uint32_t U32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v = v << 8 | U8();
    return v;
  }
  int64_t I64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | U8();
    return static_cast<int64_t>(v);
  }
  std::string_view Rest() const { return d_.substr(pos_); }

 private:
  std::string_view d_;
  size_t pos_ = 0;
};

struct Counts {
  uint32_t isut, isstd, leap, time, type, chars;
};

bool ReadHeader(Reader* r, char* version, Counts* c) {
  if (!r->Has(44)) return false;
  const char magic[4] = {static_cast<char>(r->U8()), static_cast<char>(r->U8()),
                         static_cast<char>(r->U8()),
                         static_cast<char>(r->U8())};
  if (std::memcmp(magic, "TZif", 4) != 0) return false;
  *version = static_cast<char>(r->U8());
  r->Skip(15);
  *c = {r->U32(), r->U32(), r->U32(), r->U32(), r->U32(), r->U32()};
  // Real files hold a few thousand entries; this keeps the sizes below
  // from overflowing.
  return c->type <= 256 && c->time < 100000 && c->leap < 100000 &&
         c->chars < 100000 && c->isut < 1000 && c->isstd < 1000;
}

size_t DataSize(const Counts& c, size_t time_size) {
  return c.time * (time_size + 1) + c.type * 6 + c.chars +
         c.leap * (time_size + 4) + c.isstd + c.isut;
}

bool ReadData(Reader* r, const Counts& c, size_t time_size,
              TimeZone::Rules* out) {
  if (c.type < 1 || !r->Has(DataSize(c, time_size))) return false;
  out->transitions.resize(c.time);
  for (auto& t : out->transitions)
    t = time_size == 8 ? r->I64()
                       : static_cast<int64_t>(static_cast<int32_t>(r->U32()));
  out->type_of.resize(c.time);
  for (auto& i : out->type_of) {
    i = r->U8();
    if (i >= c.type) return false;
  }
  out->offsets.resize(c.type);
  for (auto& o : out->offsets) {
    o = static_cast<int32_t>(r->U32());
    r->Skip(2);  // isdst, designation index
  }
  r->Skip(c.chars + c.leap * (time_size + 4) + c.isstd + c.isut);
  return std::is_sorted(out->transitions.begin(), out->transitions.end());
}

// Leap-second records are skipped: "right/" zones would be off by the
// leap seconds, which cron's minutes do not care about.
bool ParseTzif(std::string_view file, TimeZone::Rules* out) {
  Reader r(file);
  char version = 0;
  Counts c;
  if (!ReadHeader(&r, &version, &c)) return false;
  if (version < '2') return ReadData(&r, c, 4, out);
  if (!r.Has(DataSize(c, 4))) return false;
  r.Skip(DataSize(c, 4));
  if (!ReadHeader(&r, &version, &c) || !ReadData(&r, c, 8, out)) return false;
  std::string_view rest = r.Rest();
  if (rest.empty() || rest[0] != '\n') return false;
  const size_t end = rest.find('\n', 1);
  if (end == std::string_view::npos) return false;
  const std::string_view footer = rest.substr(1, end - 1);
  if (footer.empty()) return true;
  out->has_footer = true;
  return TzStringParser(footer).Parse(out);
}

bool ValidZoneName(const std::string& name) {
  if (name.empty() || name.size() > 255) return false;
  size_t segment = 0;
  for (char ch : name) {
    if (ch == '/') {
      if (segment == 0) return false;
      segment = 0;
      continue;
    }
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
          (ch >= '0' && ch <= '9') || ch == '_' || ch == '+' || ch == '-'))
      return false;
    segment++;
  }
  return segment > 0;
}

bool ReadSmallFile(const std::string& path, std::string* out) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[8192];
  bool ok = true;
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || out->size() + n > (1u << 20)) {
      ok = false;
      break;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return ok;
}

// ---- cron fields ----

struct FieldSpec {
  const char* name;
  int min, max;
  const char* const* names;  // 3-letter names of min, min+1, ...; or null
  int name_count;
};

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR",
                                       "MAY", "JUN", "JUL", "AUG",
                                       "SEP", "OCT", "NOV", "DEC"};
constexpr const char* kDayNames[] = {"SUN", "MON", "TUE", "WED",
                                     "THU", "FRI", "SAT"};
constexpr FieldSpec kFields[5] = {
    {"minute", 0, 59, nullptr, 0},       {"hour", 0, 23, nullptr, 0},
    {"day-of-month", 1, 31, nullptr, 0}, {"month", 1, 12, kMonthNames, 12},
    {"day-of-week", 0, 7, kDayNames, 7},
};

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::vector<std::string_view> SplitBlanks(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsBlank(s[i])) i++;
    const size_t start = i;
    while (i < s.size() && !IsBlank(s[i])) i++;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

Status FieldError(const FieldSpec& f, std::string_view value,
                  const std::string& what) {
  return InvalidArgument("cron field '" + std::string(f.name) + "': '" +
                         std::string(value) + "' " + what);
}

// Digits only; more than 9 of them count as out of range (returns 1e9).
bool ParseDigits(std::string_view s, int* out) {
  if (s.empty()) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = std::min<int64_t>(v * 10 + (c - '0'), 1000000000);
  }
  *out = static_cast<int>(v);
  return true;
}

Status ParseValue(const FieldSpec& f, std::string_view s, int* out) {
  if (ParseDigits(s, out)) {
    if (*out < f.min || *out > f.max)
      return FieldError(f, s,
                        "is out of range " + std::to_string(f.min) + "-" +
                            std::to_string(f.max));
    return Status::Ok();
  }
  if (f.names != nullptr && s.size() == 3) {
    for (int i = 0; i < f.name_count; i++) {
      bool same = true;
      for (int k = 0; k < 3; k++)
        same = same &&
               std::toupper(static_cast<unsigned char>(s[k])) == f.names[i][k];
      if (same) {
        *out = f.min + i;
        return Status::Ok();
      }
    }
  }
  return FieldError(
      f, s, f.names != nullptr ? "is not a number or name" : "is not a number");
}

Status ParseField(const FieldSpec& f, std::string_view text, uint64_t* bits) {
  *bits = 0;
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    const std::string_view item = text.substr(
        start, comma == std::string_view::npos ? text.npos : comma - start);
    if (item.empty()) return FieldError(f, text, "has an empty list item");
    std::string_view base = item;
    int step = 1;
    bool has_step = false;
    if (const size_t slash = item.find('/'); slash != item.npos) {
      base = item.substr(0, slash);
      const std::string_view step_text = item.substr(slash + 1);
      const int span = f.max - f.min + 1;
      if (!ParseDigits(step_text, &step))
        return FieldError(f, step_text, "is not a number (step)");
      if (step < 1 || step > span)
        return FieldError(
            f, step_text,
            "is out of range 1-" + std::to_string(span) + " (step)");
      has_step = true;
    }
    int lo = f.min, hi = f.max;
    if (base != "*") {
      const size_t dash = base.find('-');
      if (dash == base.npos) {
        if (Status s = ParseValue(f, base, &lo); !s.ok()) return s;
        hi = has_step ? f.max : lo;
      } else {
        if (Status s = ParseValue(f, base.substr(0, dash), &lo); !s.ok())
          return s;
        if (Status s = ParseValue(f, base.substr(dash + 1), &hi); !s.ok())
          return s;
        if (lo > hi) return FieldError(f, base, "is a backwards range");
      }
    }
    for (int v = lo; v <= hi; v += step) *bits |= uint64_t{1} << v;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return Status::Ok();
}

Result<int64_t> ParseDuration(std::string_view text) {
  const auto bad = [&] {
    return InvalidArgument("@every: '" + std::string(text) +
                           "' is not a duration like 30s, 5m, 1h30m");
  };
  static constexpr char kUnits[] = {'h', 'm', 's'};
  static constexpr int64_t kUnitSeconds[] = {3600, 60, 1};
  int64_t total = 0;
  size_t i = 0;
  int next_unit = 0;
  if (text.empty()) return bad();
  while (i < text.size()) {
    int64_t v = 0;
    const size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9')
      v = std::min<int64_t>(v * 10 + (text[i++] - '0'), int64_t{1} << 40);
    if (i == start || i == text.size()) return bad();
    int unit = next_unit;
    while (unit < 3 && kUnits[unit] != text[i]) unit++;
    if (unit == 3) return bad();
    total += v * kUnitSeconds[unit];
    next_unit = unit + 1;
    i++;
  }
  if (total < 1)
    return InvalidArgument("@every: '" + std::string(text) +
                           "' is below 1 second");
  if (total > 366 * kDay)
    return InvalidArgument("@every: '" + std::string(text) +
                           "' is above 366 days");
  return total;
}

}  // namespace

// ---- TimeZone ----

TimeZone TimeZone::Utc() {
  static const auto* const kRules = new std::shared_ptr<const Rules>([] {
    auto rules = std::make_shared<Rules>();
    rules->offsets = {0};
    return rules;
  }());
  return TimeZone("UTC", *kRules);
}

Result<TimeZone> TimeZone::Load(const std::string& name) {
  if (name == "UTC") return Utc();
  const Status unknown = InvalidArgument("unknown time zone '" + name + "'");
  if (!ValidZoneName(name)) return unknown;
  const char* dir = std::getenv("TZDIR");
  const std::string path =
      std::string(dir != nullptr && *dir != '\0' ? dir
                                                 : "/usr/share/zoneinfo") +
      "/" + name;
  std::string file;
  if (!ReadSmallFile(path, &file) || file.compare(0, 4, "TZif") != 0)
    return unknown;
  auto rules = std::make_shared<Rules>();
  if (!ParseTzif(file, rules.get()))
    return InvalidArgument("time zone '" + name + "': cannot parse " + path);
  return TimeZone(name, std::move(rules));
}

int32_t TimeZone::UtcOffset(int64_t unix_s) const {
  const Rules& r = *rules_;
  if (r.transitions.empty())
    return r.has_footer ? FooterOffset(r, unix_s) : r.offsets[0];
  // RFC 8536: type 0 before the first change, the footer after the last.
  if (unix_s < r.transitions.front()) return r.offsets[0];
  if (r.has_footer && unix_s >= r.transitions.back())
    return FooterOffset(r, unix_s);
  const auto it =
      std::upper_bound(r.transitions.begin(), r.transitions.end(), unix_s);
  return r.offsets[r.type_of[it - r.transitions.begin() - 1]];
}

std::optional<int64_t> TimeZone::LocalToUtc(int64_t local_s) const {
  // The instant is local_s - offset for an offset in effect within a day of
  // it; any that maps back to local_s is one, the earliest is the first.
  std::array<int32_t, 6> candidates{};
  size_t n = 0;
  for (int64_t probe : {local_s - kDay, local_s, local_s + kDay}) {
    const int32_t o = UtcOffset(probe);
    candidates[n++] = o;
    candidates[n++] = UtcOffset(local_s - o);
  }
  std::optional<int64_t> first;
  for (size_t i = 0; i < n; i++) {
    const int64_t t = local_s - candidates[i];
    if (UtcOffset(t) == candidates[i] && (!first || t < *first)) first = t;
  }
  return first;
}

// ---- CronExpr ----

Result<CronExpr> CronExpr::Parse(std::string_view text) {
  const std::vector<std::string_view> words = SplitBlanks(text);
  CronExpr e;
  if (!words.empty() && words[0].front() == '@') {
    if (words[0] == "@every") {
      if (words.size() < 2) return InvalidArgument("@every: missing duration");
      if (words.size() > 2)
        return InvalidArgument("@every: unexpected '" + std::string(words[2]) +
                               "' after the duration");
      Result<int64_t> period = ParseDuration(words[1]);
      if (!period.ok()) return period.status();
      e.every_s_ = period.value();
      return e;
    }
    static constexpr std::pair<std::string_view, std::string_view> kMacros[] = {
        {"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"},
        {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
        {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
        {"@hourly", "0 * * * *"}};
    for (const auto& [macro, fields] : kMacros) {
      if (words[0] != macro) continue;
      if (words.size() > 1)
        return InvalidArgument("cron: unexpected '" + std::string(words[1]) +
                               "' after " + std::string(macro));
      return Parse(fields);
    }
    return InvalidArgument("unknown macro '" + std::string(words[0]) + "'");
  }
  if (words.size() != 5)
    return InvalidArgument("cron: expected 5 fields, got " +
                           std::to_string(words.size()));
  uint64_t bits[5];
  for (int i = 0; i < 5; i++)
    if (Status s = ParseField(kFields[i], words[i], &bits[i]); !s.ok())
      return s;
  e.minutes_ = bits[0];
  e.hours_ = static_cast<uint32_t>(bits[1]);
  e.days_ = static_cast<uint32_t>(bits[2]);
  e.months_ = static_cast<uint32_t>(bits[3]);
  // 7 is Sunday too.
  e.weekdays_ = static_cast<uint32_t>((bits[4] | bits[4] >> 7) & 0x7f);
  e.day_star_ = words[2].front() == '*';
  e.weekday_star_ = words[4].front() == '*';
  return e;
}

std::optional<int64_t> CronExpr::Next(int64_t after_s, const TimeZone& zone,
                                      int64_t anchor_s) const {
  if (is_every()) {
    const __int128 k =
        after_s < anchor_s ? 1 : (after_s - __int128{anchor_s}) / every_s_ + 1;
    const __int128 due = anchor_s + k * every_s_;
    if (due > std::numeric_limits<int64_t>::max()) return std::nullopt;
    return static_cast<int64_t>(due);
  }
  if (after_s < -kTimeLimit || after_s > kTimeLimit) return std::nullopt;
  const int64_t limit = after_s + kHorizonDays * kDay;
  // Walk local dates and times from the minute of after_s, skipping months,
  // days and hours that cannot match; each candidate wall-clock minute is
  // then mapped back to the instant it first happens, if it happens at all.
  const int64_t local = after_s + zone.UtcOffset(after_s);
  int64_t day = FloorDiv(local, kDay);
  int minute_of_day = static_cast<int>((local - day * kDay) / 60);
  const int64_t last_day = day + kHorizonDays + 2;
  while (day <= last_day) {
    const Civil c = CivilFromDays(day);
    if (!(months_ >> c.m & 1)) {
      day = c.m == 12 ? DaysFromCivil(c.y + 1, 1, 1)
                      : DaysFromCivil(c.y, c.m + 1, 1);
      minute_of_day = 0;
      continue;
    }
    const bool dom = days_ >> c.d & 1;
    const bool dow = weekdays_ >> Weekday(day) & 1;
    const bool day_matches =
        (day_star_ || weekday_star_) ? dom && dow : dom || dow;
    if (day_matches) {
      for (int h = minute_of_day / 60; h < 24; h++) {
        if (!(hours_ >> h & 1)) continue;
        const int from = h == minute_of_day / 60 ? minute_of_day % 60 : 0;
        for (uint64_t m = minutes_ >> from << from; m != 0; m &= m - 1) {
          const int minute = __builtin_ctzll(m);
          const std::optional<int64_t> t =
              zone.LocalToUtc(day * kDay + h * 3600 + minute * 60);
          if (t && *t > after_s) {
            if (*t > limit) return std::nullopt;
            return t;
          }
        }
      }
    }
    day++;
    minute_of_day = 0;
  }
  return std::nullopt;
}

std::vector<int64_t> CronExpr::NextN(int64_t after_s, const TimeZone& zone,
                                     int64_t anchor_s, int n) const {
  std::vector<int64_t> out;
  for (int i = 0; i < n; i++) {
    const std::optional<int64_t> t = Next(after_s, zone, anchor_s);
    if (!t) break;
    out.push_back(*t);
    after_s = *t;
  }
  return out;
}

}  // namespace coyotes
