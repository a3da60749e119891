#include "task/schedule.h"

#include <gtest/gtest.h>

#include <string>

namespace coyotes {
namespace {

Schedule Make(const std::string& json, int64_t created_ms = 0) {
  json_error_t err;
  JsonPtr o(json_loads(json.c_str(), 0, &err));
  auto s = ScheduleFromJson(o.get(), ProducerLimits{}, created_ms);
  EXPECT_TRUE(s.ok()) << json << ": " << s.status().message();
  return s.ok() ? std::move(s.value()) : Schedule();
}

Status Error(const std::string& json) {
  json_error_t err;
  JsonPtr o(json_loads(json.c_str(), 0, &err));
  auto s = ScheduleFromJson(o.get(), ProducerLimits{}, 0);
  return s.ok() ? Status::Ok() : s.status();
}

TEST(Schedule, StoredTextReadsBackTheSame) {
  Schedule s = Make(
      R"({"name":"n1","cron":"*/5 * * * *","timezone":"Europe/Berlin",
          "overlap":"skip","missed":"skip","enabled":false,"task":"echo hi",
          "chan":"reports","retry":2,"callback":"http://127.0.0.1/x"})",
      1700000000123);
  std::string text = ScheduleJson(s);
  auto back = ParseStoredSchedule("n1", text);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(ScheduleJson(back.value()), text);
  EXPECT_TRUE(back->overlap_skip);
  EXPECT_TRUE(back->missed_skip);
  EXPECT_FALSE(back->enabled);
  EXPECT_EQ(back->created_ms, 1700000000123);
  auto task = ScheduledTask(back.value(), 1700000400000, ProducerLimits{});
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->id, "sched:n1:1700000400");
  EXPECT_EQ(task->schedule, "n1");
  EXPECT_EQ(task->channel, "reports");
  EXPECT_EQ(task->retry, 2);
  EXPECT_EQ(task->callback, "http://127.0.0.1/x");
  EXPECT_FALSE(ParseStoredSchedule("n1", "{").ok());
}

TEST(Schedule, BadFieldsAreNamed) {
  const std::pair<const char*, const char*> bad[] = {
      {R"({"cron":"@daily","task":"x"})", "'name'"},
      {R"({"name":"a b","cron":"@daily","task":"x"})", "'name'"},
      {R"({"name":"n","task":"x"})", "'cron'"},
      {R"({"name":"n","cron":"* * *","task":"x"})", "'cron'"},
      {R"({"name":"n","cron":"@daily","task":"x","timezone":"No/Where"})",
       "'timezone'"},
      {R"({"name":"n","cron":"@daily","task":"x","overlap":"yes"})",
       "'overlap'"},
      {R"({"name":"n","cron":"@daily","task":"x","missed":1})", "'missed'"},
      {R"({"name":"n","cron":"@daily","task":"x","enabled":"no"})",
       "'enabled'"},
      {R"({"name":"n","cron":"@daily","task":"x","run_at":5})", "'run_at'"},
      {R"({"name":"n","cron":"@daily","task":"x","id":"i"})", "'id'"},
      {R"({"name":"n","cron":"@daily"})", "'task'"},
  };
  for (const auto& [json, says] : bad) {
    Status s = Error(json);
    ASSERT_FALSE(s.ok()) << json;
    EXPECT_NE(s.message().find(says), std::string::npos)
        << json << ": " << s.message();
  }
}

TEST(Schedule, OnTimeMissedOnceAndMissedSkip) {
  // Every 10 s from t=1000 s.
  Schedule s = Make(R"({"name":"e","cron":"@every 10s","task":"x"})", 1000000);
  // On time (0.5 s late): fires its own due time.
  DueDecision d = DecideDue(s, 1010000, 1010500, 2000);
  EXPECT_FALSE(d.missed);
  EXPECT_EQ(d.fire_ms, 1010000);
  EXPECT_EQ(d.next_ms, 1020000);
  // 35 s late: the due times 1010, 1020, 1030 and 1040 passed; once fires
  // the latest, and the next is after now.
  d = DecideDue(s, 1010000, 1045000, 2000);
  EXPECT_TRUE(d.missed);
  EXPECT_EQ(d.fire_ms, 1040000);
  EXPECT_EQ(d.next_ms, 1050000);
  Schedule skip =
      Make(R"({"name":"e","cron":"@every 10s","task":"x","missed":"skip"})",
           1000000);
  d = DecideDue(skip, 1010000, 1045000, 2000);
  EXPECT_TRUE(d.missed);
  EXPECT_FALSE(d.fire_ms.has_value());
  EXPECT_EQ(d.next_ms, 1050000);
  // A cron expression: hourly, missed for a day.
  Schedule hourly = Make(R"({"name":"h","cron":"0 * * * *","task":"x"})");
  d = DecideDue(hourly, 3600000, 86400000 + 1800000, 2000);
  EXPECT_EQ(d.fire_ms, 86400000);
  EXPECT_EQ(d.next_ms, 86400000 + 3600000);
}

}  // namespace
}  // namespace coyotes
