// --at's times and the times shown in tables.
#include "ctl/time_text.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

namespace coyotes {
namespace {

TEST(CtlTimeText, UnixSeconds) {
  EXPECT_EQ(*ParseAtTime("1700000000"), 1700000000.0);
  EXPECT_EQ(*ParseAtTime("1700000000.5"), 1700000000.5);
}

TEST(CtlTimeText, IsoWithZones) {
  EXPECT_EQ(*ParseAtTime("2023-11-14T22:13:20Z"), 1700000000.0);
  EXPECT_EQ(*ParseAtTime("2023-11-15T00:13:20+02:00"), 1700000000.0);
  EXPECT_EQ(*ParseAtTime("2023-11-14T17:43:20-04:30"), 1700000000.0);
  EXPECT_EQ(*ParseAtTime("2024-02-29T00:00:00Z"), 1709164800.0);
  EXPECT_EQ(*ParseAtTime("1970-01-01T00:00:00Z"), 0.0);
}

TEST(CtlTimeText, IsoLocalFollowsTz) {
  const char* old = getenv("TZ");
  const std::string saved = old ? old : "";
  setenv("TZ", "UTC", 1);
  tzset();
  EXPECT_EQ(*ParseAtTime("2023-11-14T22:13:20"), 1700000000.0);
  setenv("TZ", "Europe/Berlin", 1);
  tzset();
  EXPECT_EQ(*ParseAtTime("2023-11-14T23:13:20"), 1700000000.0);
  if (old)
    setenv("TZ", saved.c_str(), 1);
  else
    unsetenv("TZ");
  tzset();
}

TEST(CtlTimeText, Refused) {
  for (const char* bad :
       {"", "soon", "-5", "2023-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
        "2023-11-14T24:00:00Z", "2023-11-14", "2023-11-14T22:13:20+2",
        "2023-11-14T22:13:20Zjunk", "1e400"}) {
    EXPECT_FALSE(ParseAtTime(bad).ok()) << bad;
  }
}

TEST(CtlTimeText, NumbersAndRelativeTimes) {
  EXPECT_EQ(*ParseSeconds("1.5", "--delay"), 1.5);
  EXPECT_FALSE(ParseSeconds("-1", "--delay").ok());
  EXPECT_FALSE(ParseSeconds("1s", "--delay").ok());
  EXPECT_EQ(*ParseWhole("3", "--retry", 0, 100), 3);
  EXPECT_FALSE(ParseWhole("101", "--retry", 0, 100).ok());
  EXPECT_EQ(FormatRelative(10'000, 0), "in 10s");
  EXPECT_EQ(FormatRelative(0, 300'000), "5m ago");
  EXPECT_EQ(FormatRelative(3 * 3600'000, 0), "in 3h");
  EXPECT_EQ(FormatMs(0), "-");
}

}  // namespace
}  // namespace coyotes
