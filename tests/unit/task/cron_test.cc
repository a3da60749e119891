// Schedule expressions and time zones (src/task/cron.h). Expected times were
// checked with date(1) on Debian 12's tzdata.
#include "task/cron.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace coyotes {
namespace {

// "2026-03-29 01:30" (UTC) as Unix seconds.
int64_t At(const char* utc) {
  struct tm tm = {};
  int n = std::sscanf(utc, "%d-%d-%d %d:%d", &tm.tm_year, &tm.tm_mon,
                      &tm.tm_mday, &tm.tm_hour, &tm.tm_min);
  EXPECT_EQ(n, 5) << utc;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return timegm(&tm);
}

std::string Utc(int64_t t) {
  time_t tt = static_cast<time_t>(t);
  struct tm tm;
  gmtime_r(&tt, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

TimeZone Zone(const std::string& name) {
  Result<TimeZone> z = TimeZone::Load(name);
  EXPECT_TRUE(z.ok()) << z.status().message();
  return z.ok() ? z.value() : TimeZone::Utc();
}

// The next `n` due times, as UTC text, of `expr` after `after` in `zone`.
std::vector<std::string> Due(const std::string& expr, const char* after,
                             int n = 1, const std::string& zone = "UTC",
                             int64_t anchor = 0) {
  Result<CronExpr> e = CronExpr::Parse(expr);
  EXPECT_TRUE(e.ok()) << expr << ": " << e.status().message();
  if (!e.ok()) return {};
  std::vector<std::string> out;
  for (int64_t t : e->NextN(At(after), Zone(zone), anchor, n))
    out.push_back(Utc(t));
  return out;
}

using V = std::vector<std::string>;

struct Case {
  const char* expr;
  const char* after;
  V want;
};

TEST(CronExpr, Table) {
  const Case cases[] = {
      {"*/15 * * * *", "2026-01-01 00:00", {"2026-01-01 00:15"}},
      {"5 4 * * *", "2026-01-01 00:00", {"2026-01-01 04:05"}},
      // Strictly after: a due time equal to `after` is not returned.
      {"5 4 * * *", "2026-01-01 04:05", {"2026-01-02 04:05"}},
      {"0,30 8,20 * * *",
       "2026-01-01 08:30",
       {"2026-01-01 20:00", "2026-01-01 20:30", "2026-01-02 08:00"}},
      {"0 9-17/4 * * *",
       "2026-01-01 10:00",
       {"2026-01-01 13:00", "2026-01-01 17:00", "2026-01-02 09:00"}},
      {"1-3,50-59/5 0 * * *",
       "2026-01-01 00:00",
       {"2026-01-01 00:01", "2026-01-01 00:02", "2026-01-01 00:03",
        "2026-01-01 00:50", "2026-01-01 00:55", "2026-01-02 00:01"}},
      // a/n is a-max/n.
      {"5/20 * * * *",
       "2026-01-01 00:00",
       {"2026-01-01 00:05", "2026-01-01 00:25", "2026-01-01 00:45",
        "2026-01-01 01:05"}},
      {"0 0 1 jan,Jul *", "2026-01-02 00:00", {"2026-07-01 00:00"}},
      {"0 0 1 JAN-mar *",
       "2026-01-01 00:00",
       {"2026-02-01 00:00", "2026-03-01 00:00", "2027-01-01 00:00"}},
      // 2026-01-01 is a Thursday.
      {"0 0 * * sun", "2026-01-01 00:00", {"2026-01-04 00:00"}},
      {"0 0 * * 0", "2026-01-01 00:00", {"2026-01-04 00:00"}},
      {"0 0 * * 7", "2026-01-01 00:00", {"2026-01-04 00:00"}},
      {"0 0 * * 5-7",
       "2026-01-01 00:00",
       {"2026-01-02 00:00", "2026-01-03 00:00", "2026-01-04 00:00",
        "2026-01-09 00:00"}},
      {"30 6 * * MON-fri", "2026-01-02 07:00", {"2026-01-05 06:30"}},
      // Either day rule: 2026-04-03 is a Friday, 2026-04-13 a Monday.
      {"0 0 13 * FRI",
       "2026-04-01 00:00",
       {"2026-04-03 00:00", "2026-04-10 00:00", "2026-04-13 00:00",
        "2026-04-17 00:00"}},
      {"0 0 * * FRI",
       "2026-04-01 00:00",
       {"2026-04-03 00:00", "2026-04-10 00:00", "2026-04-17 00:00"}},
      {"0 0 13 * *", "2026-04-01 00:00", {"2026-04-13 00:00"}},
      // A day-of-month starting with '*' makes both required.
      {"0 0 */2 * FRI",
       "2026-04-01 00:00",
       {"2026-04-03 00:00", "2026-04-17 00:00", "2026-05-01 00:00"}},
      {"0 12 29 2 *", "2025-01-01 00:00", {"2028-02-29 12:00"}},
      {"0 0 31 * *",
       "2026-01-31 00:00",
       {"2026-03-31 00:00", "2026-05-31 00:00"}},
      {"  0\t0 *  * *  ", "2026-01-01 12:00", {"2026-01-02 00:00"}},
      {"@yearly", "2026-03-01 00:00", {"2027-01-01 00:00"}},
      {"@annually", "2026-03-01 00:00", {"2027-01-01 00:00"}},
      {"@monthly", "2026-03-15 00:00", {"2026-04-01 00:00"}},
      {"@weekly", "2026-01-01 00:00", {"2026-01-04 00:00"}},
      {"@daily", "2026-01-01 12:00", {"2026-01-02 00:00"}},
      {"@midnight", "2026-01-01 12:00", {"2026-01-02 00:00"}},
      {"@hourly", "2026-01-01 12:10", {"2026-01-01 13:00"}},
  };
  for (const Case& c : cases)
    EXPECT_EQ(Due(c.expr, c.after, static_cast<int>(c.want.size())), c.want)
        << c.expr << " after " << c.after;
}

TEST(CronExpr, NoneWithinFiveYears) {
  Result<CronExpr> e = CronExpr::Parse("0 0 30 2 *");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->Next(At("2026-01-01 00:00"), TimeZone::Utc(), 0), std::nullopt);
  EXPECT_TRUE(e->NextN(At("2026-01-01 00:00"), TimeZone::Utc(), 0, 3).empty());
  // 2100 is not a leap year: after 2096 the next 29 February is in 2104.
  EXPECT_EQ(Due("0 0 29 2 *", "2096-03-01 00:00"), V{});
  EXPECT_EQ(Due("0 0 29 2 *", "2095-03-01 00:00"), V{"2096-02-29 00:00"});
}

TEST(CronExpr, Every) {
  Result<CronExpr> e = CronExpr::Parse("@every 5m");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->is_every());
  EXPECT_EQ(e->every_s(), 300);
  const TimeZone utc = TimeZone::Utc();
  EXPECT_EQ(e->Next(1000, utc, 1000), 1300);
  EXPECT_EQ(e->Next(1299, utc, 1000), 1300);
  EXPECT_EQ(e->Next(1300, utc, 1000), 1600);
  EXPECT_EQ(e->Next(0, utc, 1000), 1300);  // before the anchor: k = 1
  EXPECT_EQ(e->NextN(1000, Zone("Europe/Berlin"), 1000, 3),
            (std::vector<int64_t>{1300, 1600, 1900}));
  for (auto [text, period] : std::vector<std::pair<const char*, int64_t>>{
           {"@every 30s", 30},
           {"@every 2h", 7200},
           {"@every 1h30m", 5400},
           {"@every 1h30m15s", 5415},
           {"@every 1m1s", 61},
           {"@every 8784h", 366 * 86400},
           {" @every\t1s ", 1}}) {
    Result<CronExpr> p = CronExpr::Parse(text);
    ASSERT_TRUE(p.ok()) << text << ": " << p.status().message();
    EXPECT_EQ(p->every_s(), period) << text;
  }
  Result<CronExpr> plain = CronExpr::Parse("* * * * *");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->is_every());
  EXPECT_EQ(plain->every_s(), 0);
}

TEST(CronExpr, ParseErrorsNameFieldAndValue) {
  const std::pair<const char*, const char*> cases[] = {
      {"* 24 * * *", "cron field 'hour': '24' is out of range 0-23"},
      {"60 * * * *", "cron field 'minute': '60' is out of range 0-59"},
      {"* * 0 * *", "cron field 'day-of-month': '0' is out of range 1-31"},
      {"* * * 13 *", "cron field 'month': '13' is out of range 1-12"},
      {"* * * * 8", "cron field 'day-of-week': '8' is out of range 0-7"},
      {"* * * * FOO",
       "cron field 'day-of-week': 'FOO' is not a number or name"},
      {"* * * JANUARY *",
       "cron field 'month': 'JANUARY' is not a number or name"},
      {"MON * * * *", "cron field 'minute': 'MON' is not a number"},
      {"99999999999 * * * *",
       "cron field 'minute': '99999999999' is out of range 0-59"},
      {"5-1 * * * *", "cron field 'minute': '5-1' is a backwards range"},
      {"*/0 * * * *", "cron field 'minute': '0' is out of range 1-60 (step)"},
      {"*/x * * * *", "cron field 'minute': 'x' is not a number (step)"},
      {"1,,2 * * * *", "cron field 'minute': '1,,2' has an empty list item"},
      {"* * * *", "cron: expected 5 fields, got 4"},
      {"* * * * * *", "cron: expected 5 fields, got 6"},
      {"", "cron: expected 5 fields, got 0"},
      {"@foo", "unknown macro '@foo'"},
      {"@DAILY", "unknown macro '@DAILY'"},
      {"@daily now", "cron: unexpected 'now' after @daily"},
      {"@every", "@every: missing duration"},
      {"@every 0s", "@every: '0s' is below 1 second"},
      {"@every 0h0m", "@every: '0h0m' is below 1 second"},
      {"@every 8784h1s", "@every: '8784h1s' is above 366 days"},
      {"@every 5m1h", "@every: '5m1h' is not a duration like 30s, 5m, 1h30m"},
      {"@every 1h1h", "@every: '1h1h' is not a duration like 30s, 5m, 1h30m"},
      {"@every 5", "@every: '5' is not a duration like 30s, 5m, 1h30m"},
      {"@every 2d", "@every: '2d' is not a duration like 30s, 5m, 1h30m"},
      {"@every -5m", "@every: '-5m' is not a duration like 30s, 5m, 1h30m"},
      {"@every 5m 1s", "@every: unexpected '1s' after the duration"},
  };
  for (const auto& [text, want] : cases) {
    Result<CronExpr> e = CronExpr::Parse(text);
    ASSERT_FALSE(e.ok()) << text;
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(e.status().message(), want) << text;
  }
}

TEST(CronExpr, BerlinSpringForwardSkipsTheMissingHour) {
  // 2026-03-29 02:00 CET becomes 03:00 CEST: 02:30 does not happen.
  EXPECT_EQ(Due("30 2 * * *", "2026-03-28 00:00", 3, "Europe/Berlin"),
            (V{"2026-03-28 01:30", "2026-03-30 00:30", "2026-03-31 00:30"}));
  // Every minute: 01:59 CET is followed by 03:00 CEST.
  EXPECT_EQ(Due("* * * * *", "2026-03-29 00:58", 2, "Europe/Berlin"),
            (V{"2026-03-29 00:59", "2026-03-29 01:00"}));
}

TEST(CronExpr, BerlinFallBackFiresOnceAtTheFirstOccurrence) {
  // 2026-10-25 03:00 CEST becomes 02:00 CET: 02:30 happens at 00:30 and
  // 01:30 UTC; only the first counts.
  EXPECT_EQ(Due("30 2 * * *", "2026-10-24 00:00", 3, "Europe/Berlin"),
            (V{"2026-10-24 00:30", "2026-10-25 00:30", "2026-10-26 01:30"}));
  EXPECT_EQ(Due("30 2 * * *", "2026-10-25 01:00", 1, "Europe/Berlin"),
            V{"2026-10-26 01:30"});
  // The repeated hour is not run again: 02:30 CEST, then 03:00 CET.
  EXPECT_EQ(Due("*/30 * * * *", "2026-10-25 00:00", 2, "Europe/Berlin"),
            (V{"2026-10-25 00:30", "2026-10-25 02:00"}));
}

TEST(CronExpr, NewYorkDst) {
  // 2026-03-08 02:00 EST becomes 03:00 EDT.
  EXPECT_EQ(Due("30 2 * * *", "2026-03-07 00:00", 2, "America/New_York"),
            (V{"2026-03-07 07:30", "2026-03-09 06:30"}));
  // 2026-11-01 02:00 EDT becomes 01:00 EST: 01:30 happens twice.
  EXPECT_EQ(Due("30 1 * * *", "2026-10-31 12:00", 2, "America/New_York"),
            (V{"2026-11-01 05:30", "2026-11-02 06:30"}));
  // Asked from inside the repeated hour (01:00 EST), the day is done.
  EXPECT_EQ(Due("30 1 * * *", "2026-11-01 06:00", 1, "America/New_York"),
            V{"2026-11-02 06:30"});
}

TEST(CronExpr, LocalDaysInOtherZones) {
  // 09:00 JST is 00:00 UTC.
  EXPECT_EQ(Due("0 9 * * *", "2026-01-01 00:00", 1, "Asia/Tokyo"),
            V{"2026-01-02 00:00"});
  // Kolkata is +05:30; Friday 00:00 there is Thursday 18:30 UTC.
  EXPECT_EQ(Due("0 0 * * FRI", "2026-01-01 00:00", 1, "Asia/Kolkata"),
            V{"2026-01-01 18:30"});
  // Beyond the transitions listed in the file (2037), the footer rule.
  EXPECT_EQ(Due("0 12 1 7 *", "2090-01-01 00:00", 1, "Europe/Berlin"),
            V{"2090-07-01 10:00"});
  EXPECT_EQ(Due("0 12 1 1 *", "2094-06-01 00:00", 1, "Australia/Sydney"),
            V{"2095-01-01 01:00"});
}

TEST(CronExpr, DoesNotReadTheProcessTimeZone) {
  const char* old = getenv("TZ");
  const std::string saved = old ? old : "";
  setenv("TZ", "Asia/Tokyo", 1);
  tzset();
  const V got = Due("0 0 * * *", "2026-01-01 12:00");
  if (old)
    setenv("TZ", saved.c_str(), 1);
  else
    unsetenv("TZ");
  tzset();
  EXPECT_EQ(got, V{"2026-01-02 00:00"});
}

TEST(TimeZone, LoadErrors) {
  for (const char* name :
       {"Mars/Olympus", "../etc/passwd", "/etc/passwd", "Europe/../UTC",
        "Europe", "Europe/", "Europe//Berlin", "", "Europe/Berlin ",
        "posixrules.d"}) {
    Result<TimeZone> z = TimeZone::Load(name);
    ASSERT_FALSE(z.ok()) << name;
    EXPECT_EQ(z.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(z.status().message(),
              "unknown time zone '" + std::string(name) + "'");
  }
  Result<TimeZone> utc = TimeZone::Load("UTC");
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(utc->name(), "UTC");
  EXPECT_EQ(utc->UtcOffset(At("2026-07-01 00:00")), 0);
  EXPECT_EQ(Zone("Etc/GMT+5").UtcOffset(0), -5 * 3600);
  EXPECT_EQ(Zone("America/Argentina/Buenos_Aires").name(),
            "America/Argentina/Buenos_Aires");
}

// The offsets agree with glibc's reading of the same files, 1970 to 2100.
TEST(TimeZone, OffsetsMatchGlibc) {
  const char* old = getenv("TZ");
  const std::string saved = old ? old : "";
  for (const char* name :
       {"Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
        "America/Sao_Paulo", "Pacific/Auckland", "Africa/Casablanca",
        "Asia/Tehran", "Australia/Lord_Howe", "Pacific/Chatham",
        "America/St_Johns"}) {
    const TimeZone zone = Zone(name);
    setenv("TZ", (std::string(":") + name).c_str(), 1);
    tzset();
    int mismatches = 0;
    for (int64_t t = 0; t < At("2100-12-31 00:00"); t += 3 * 86400 + 3607) {
      time_t tt = static_cast<time_t>(t);
      struct tm tm;
      localtime_r(&tt, &tm);
      if (tm.tm_gmtoff != zone.UtcOffset(t) && mismatches++ < 3)
        ADD_FAILURE() << name << " at " << Utc(t) << ": glibc " << tm.tm_gmtoff
                      << ", ours " << zone.UtcOffset(t);
    }
  }
  if (old)
    setenv("TZ", saved.c_str(), 1);
  else
    unsetenv("TZ");
  tzset();
}

TEST(TimeZone, LocalToUtc) {
  const TimeZone berlin = Zone("Europe/Berlin");
  EXPECT_EQ(berlin.LocalToUtc(At("2026-01-15 12:00")), At("2026-01-15 11:00"));
  EXPECT_EQ(berlin.LocalToUtc(At("2026-03-29 02:30")), std::nullopt);
  EXPECT_EQ(berlin.LocalToUtc(At("2026-10-25 02:30")), At("2026-10-25 00:30"));
}

// A TZif v2 file with no transitions, only the footer rule: what "slim"
// tzdata holds for zones whose rules have not changed in a long time.
std::string FooterOnlyTzif(const std::string& footer) {
  std::string header = "TZif2" + std::string(15, '\0');
  const auto counts = [&](uint32_t type, uint32_t chars) {
    std::string h = header;
    for (uint32_t v : {0u, 0u, 0u, 0u, type, chars})
      for (int shift = 24; shift >= 0; shift -= 8)
        h += static_cast<char>(v >> shift & 0xff);
    return h;
  };
  std::string type = {0, 0, 0, 0, 0, 0};  // offset 0, std, name index 0
  std::string v1 = counts(1, 4) + type + std::string("UTC\0", 4);
  // The v2 block's type holds the standard offset of the footer's zone;
  // nothing reads it once the footer applies.
  return v1 + counts(1, 4) + type + std::string("XXX\0", 4) + "\n" + footer +
         "\n";
}

TEST(TimeZone, FooterOnlyFiles) {
  char tmpl[] = "/tmp/cron_test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::filesystem::path dir = tmpl;
  std::filesystem::create_directories(dir / "Slim");
  const std::pair<const char*, const char*> files[] = {
      {"Slim/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3"},
      {"Slim/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3"},
      {"Slim/Tehran", "<+0330>-3:30"},
      {"Slim/Godthab", "<-02>2<-01>,M3.5.0/-1,M10.5.0/0"},
      {"Slim/AllYearDst", "EST5EDT,0/0,J365/25"},
  };
  for (const auto& [path, footer] : files)
    std::ofstream(dir / path, std::ios::binary) << FooterOnlyTzif(footer);
  std::ofstream(dir / "Slim/NotTzif") << "hello\n";

  const char* old = getenv("TZDIR");
  const std::string saved = old ? old : "";
  setenv("TZDIR", dir.c_str(), 1);
  EXPECT_EQ(Due("30 2 * * *", "2026-03-28 00:00", 3, "Slim/Berlin"),
            (V{"2026-03-28 01:30", "2026-03-30 00:30", "2026-03-31 00:30"}));
  EXPECT_EQ(Due("30 2 * * *", "2026-10-24 00:00", 3, "Slim/Berlin"),
            (V{"2026-10-24 00:30", "2026-10-25 00:30", "2026-10-26 01:30"}));
  const TimeZone sydney = Zone("Slim/Sydney");
  EXPECT_EQ(sydney.UtcOffset(At("2026-01-01 00:00")), 11 * 3600);
  EXPECT_EQ(sydney.UtcOffset(At("2026-07-01 00:00")), 10 * 3600);
  // 2026-04-05 03:00 AEDT becomes 02:00 AEST (16:00 UTC).
  EXPECT_EQ(sydney.UtcOffset(At("2026-04-04 15:59")), 11 * 3600);
  EXPECT_EQ(sydney.UtcOffset(At("2026-04-04 16:00")), 10 * 3600);
  EXPECT_EQ(Zone("Slim/Tehran").UtcOffset(0), 3 * 3600 + 1800);
  // A rule time of -1:00: Saturday 23:00 local (-02), Sunday 01:00 UTC.
  const TimeZone godthab = Zone("Slim/Godthab");
  EXPECT_EQ(godthab.UtcOffset(At("2026-03-29 00:59")), -2 * 3600);
  EXPECT_EQ(godthab.UtcOffset(At("2026-03-29 01:00")), -1 * 3600);
  const TimeZone dst = Zone("Slim/AllYearDst");
  for (const char* t : {"2026-01-01 00:00", "2026-07-01 00:00",
                        "2026-12-31 23:59", "2027-01-01 05:00"})
    EXPECT_EQ(dst.UtcOffset(At(t)), -4 * 3600) << t;
  Result<TimeZone> bad = TimeZone::Load("Slim/NotTzif");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "unknown time zone 'Slim/NotTzif'");
  if (old)
    setenv("TZDIR", saved.c_str(), 1);
  else
    unsetenv("TZDIR");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace coyotes
