// The crontab-like schedule file (src/task/schedule_file.h).
#include "task/schedule_file.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/sha256.h"
#include "task/cron.h"

namespace coyotes {
namespace {

std::vector<ScheduleFileEntry> Parse(std::string_view text) {
  Result<std::vector<ScheduleFileEntry>> r = ParseScheduleFile(text);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? r.value() : std::vector<ScheduleFileEntry>{};
}

std::string Error(std::string_view text) {
  Result<std::vector<ScheduleFileEntry>> r = ParseScheduleFile(text);
  EXPECT_FALSE(r.ok()) << text;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(ScheduleFile, EntriesCommentsAndBlankLines) {
  const auto entries = Parse(
      "# nightly jobs\n"
      "\n"
      "   # an indented comment\n"
      "*/5\t* * * *   /usr/bin/backup --fast  \n"
      "@daily rotate-logs\n"
      "  @every   1h30m   echo \"hi there\" # not a comment\n");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].line, 4);
  EXPECT_EQ(entries[0].cron, "*/5 * * * *");
  EXPECT_EQ(entries[0].command, "/usr/bin/backup --fast");
  EXPECT_EQ(entries[0].channel, "");
  EXPECT_EQ(entries[0].timezone, "");
  EXPECT_EQ(entries[0].timeout_s, 0);
  EXPECT_EQ(entries[0].retry, -1);
  EXPECT_EQ(entries[0].overlap, "");
  EXPECT_EQ(entries[0].identity, "\n*/5\t* * * *   /usr/bin/backup --fast");
  EXPECT_EQ(entries[1].line, 5);
  EXPECT_EQ(entries[1].cron, "@daily");
  EXPECT_EQ(entries[1].command, "rotate-logs");
  EXPECT_EQ(entries[2].line, 6);
  EXPECT_EQ(entries[2].cron, "@every 1h30m");
  EXPECT_EQ(entries[2].command, "echo \"hi there\" # not a comment");
  for (const auto& e : entries)
    EXPECT_EQ(e.name, "file:" + Sha256Hex(e.identity).substr(0, 12));
  EXPECT_TRUE(Parse("").empty());
  EXPECT_TRUE(Parse("# only a comment\nTZ=UTC\n").empty());
}

TEST(ScheduleFile, SettingsApplyToLaterLines) {
  const auto entries = Parse(
      "@hourly first\n"
      "CHANNEL=reports\n"
      "TZ = Europe/Berlin\n"
      "TIMEOUT=90.5\n"
      "RETRY=3\n"
      "OVERLAP=skip\n"
      "0 6 * * MON second\n"
      "CHANNEL=\n"
      "RETRY=0\n"
      "0 7 * * * third\r\n");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].channel, "");
  EXPECT_EQ(entries[0].timezone, "");
  EXPECT_EQ(entries[0].retry, -1);

  EXPECT_EQ(entries[1].line, 7);
  EXPECT_EQ(entries[1].channel, "reports");
  EXPECT_EQ(entries[1].timezone, "Europe/Berlin");
  EXPECT_EQ(entries[1].timeout_s, 90.5);
  EXPECT_EQ(entries[1].retry, 3);
  EXPECT_EQ(entries[1].overlap, "skip");
  EXPECT_EQ(entries[1].identity,
            "CHANNEL=reports\nOVERLAP=skip\nRETRY=3\nTIMEOUT=90.5\n"
            "TZ=Europe/Berlin\n0 6 * * MON second");

  EXPECT_EQ(entries[2].channel, "");
  EXPECT_EQ(entries[2].timezone, "Europe/Berlin");
  EXPECT_EQ(entries[2].retry, 0);
  EXPECT_EQ(entries[2].command, "third");
  EXPECT_EQ(entries[2].identity,
            "OVERLAP=skip\nRETRY=0\nTIMEOUT=90.5\nTZ=Europe/Berlin\n"
            "0 7 * * * third");
}

TEST(ScheduleFile, QuotedValuesAndCronTz) {
  const auto entries = Parse(
      "CHANNEL = \"night-jobs\"\n"
      "CRON_TZ='America/New_York'\n"
      "OVERLAP=\"allow\"\n"
      "30 1 * * * report\n"
      "TZ=\"\"\n"
      "30 1 * * * report2\n");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].channel, "night-jobs");
  EXPECT_EQ(entries[0].timezone, "America/New_York");
  EXPECT_EQ(entries[0].overlap, "allow");
  EXPECT_EQ(entries[1].timezone, "");  // CRON_TZ and TZ set the same thing
}

TEST(ScheduleFile, NamesAreStableAndFollowTheSettings) {
  const std::string line = "*/10 * * * * /bin/true\n";
  const auto a = Parse("CHANNEL=a\n" + line);
  const auto again =
      Parse("# edited elsewhere\n@daily other\nCHANNEL=a\n\n" + line);
  const auto b = Parse("CHANNEL=b\n" + line);
  const auto quoted = Parse("CHANNEL=\"a\"\n" + line);
  const auto cron_tz = Parse("CRON_TZ=Asia/Tokyo\n" + line);
  const auto tz = Parse("TZ=Asia/Tokyo\n" + line);
  const auto plain = Parse(line);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(again.size(), 2u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].name.size(), 5u + 12u);
  EXPECT_EQ(a[0].name.rfind("file:", 0), 0u);
  EXPECT_EQ(a[0].name, again[1].name);
  EXPECT_EQ(a[0].name, quoted[0].name);
  EXPECT_NE(a[0].name, b[0].name);
  EXPECT_NE(a[0].name, plain[0].name);
  EXPECT_EQ(cron_tz[0].name, tz[0].name);
  EXPECT_NE(tz[0].name, plain[0].name);
  // Same schedule, another command: another name.
  EXPECT_NE(Parse("@daily a\n")[0].name, Parse("@daily b\n")[0].name);
  // An unset setting counts as never set.
  EXPECT_EQ(Parse("RETRY=2\nRETRY=\n" + line)[0].name, plain[0].name);
}

TEST(ScheduleFile, ErrorsCarryTheLineNumber) {
  EXPECT_EQ(Error("# x\n\n0 24 * * * cmd\n"),
            "line 3: cron field 'hour': '24' is out of range 0-23");
  EXPECT_EQ(Error("* * * * cmd\n"),
            "line 1: cron field 'day-of-week': 'cmd' is not a number or name");
  EXPECT_EQ(Error("* * *\n"), "line 1: cron: expected 5 fields, got 3");
  EXPECT_EQ(Error("@daily\n"), "line 1: no command after '@daily'");
  EXPECT_EQ(Error("\n*/5 * * * *   \n"),
            "line 2: no command after '*/5 * * * *'");
  EXPECT_EQ(Error("@every 5m\n"), "line 1: no command after '@every 5m'");
  EXPECT_EQ(Error("@every\n"), "line 1: @every: missing duration");
  EXPECT_EQ(Error("@every 0s cmd\n"), "line 1: @every: '0s' is below 1 second");
  EXPECT_EQ(Error("@reboot cmd\n"), "line 1: unknown macro '@reboot'");
  EXPECT_EQ(Error("@daily a\nTZ=Mars/Olympus\n"),
            "line 2: unknown time zone 'Mars/Olympus'");
  EXPECT_EQ(Error("CRON_TZ=../etc/passwd\n"),
            "line 1: unknown time zone '../etc/passwd'");
  EXPECT_EQ(Error("TIMEOUT=-1\n"),
            "line 1: TIMEOUT '-1' is not a number of seconds in 0..10000000");
  EXPECT_EQ(Error("TIMEOUT=10000001\n"),
            "line 1: TIMEOUT '10000001' is not a number of seconds in "
            "0..10000000");
  EXPECT_EQ(Error("TIMEOUT=5s\n"),
            "line 1: TIMEOUT '5s' is not a number of seconds in 0..10000000");
  EXPECT_EQ(Error("RETRY=1.5\n"),
            "line 1: RETRY '1.5' is not an integer in 0..100");
  EXPECT_EQ(Error("RETRY=101\n"),
            "line 1: RETRY '101' is not an integer in 0..100");
  EXPECT_EQ(Error("OVERLAP=queue\n"),
            "line 1: OVERLAP 'queue' is not allow or skip");
  EXPECT_EQ(Error("CHANNEL=a b\n"),
            "line 1: CHANNEL 'a b' is not a channel name "
            "([A-Za-z0-9_.:-]{1,64})");
  EXPECT_EQ(Error("CHANNEL=" + std::string(65, 'x') + "\n"),
            "line 1: CHANNEL '" + std::string(65, 'x') +
                "' is not a channel name ([A-Za-z0-9_.:-]{1,64})");
  EXPECT_EQ(Error("CHANNEL=\"open\n"),
            "line 1: unterminated quote in the value of CHANNEL");
  EXPECT_EQ(Error("MAILTO=root\n"),
            "line 1: unknown setting 'MAILTO' (CHANNEL, TZ, CRON_TZ, TIMEOUT, "
            "RETRY, OVERLAP)");
  EXPECT_EQ(Error("@daily a\n@hourly b\n@daily a\n"),
            "line 3: same schedule as line 1");
  EXPECT_EQ(Error("@daily a\n  @daily a  \n"),
            "line 2: same schedule as line 1");
  // Another setting in effect makes it another schedule.
  EXPECT_EQ(Parse("@daily a\nCHANNEL=x\n@daily a\n").size(), 2u);
}

TEST(ScheduleFile, EachCronTextParses) {
  for (const auto& e : Parse("0 0 13 * FRI a\n@every 2h b\n@yearly c\n"))
    EXPECT_TRUE(CronExpr::Parse(e.cron).ok()) << e.cron;
  // The last line needs no newline.
  const auto entries = Parse("TIMEOUT=0\n@weekly tail");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].command, "tail");
  EXPECT_EQ(entries[0].timeout_s, 0);
}

}  // namespace
}  // namespace coyotes
