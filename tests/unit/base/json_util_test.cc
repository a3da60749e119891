#include "base/json_util.h"

#include <gtest/gtest.h>

namespace coyotes {
namespace {

// A batch of live output ends before a character cut short, and only then.
TEST(Utf8CompleteLength, StopsBeforeACharacterCutShort) {
  EXPECT_EQ(Utf8CompleteLength(""), 0u);
  EXPECT_EQ(Utf8CompleteLength("abc"), 3u);
  EXPECT_EQ(Utf8CompleteLength("ab\xc3"), 2u);         // é, first byte
  EXPECT_EQ(Utf8CompleteLength("ab\xc3\xa9"), 4u);     // é, whole
  EXPECT_EQ(Utf8CompleteLength("a\xe2\x82"), 1u);      // €, two of three
  EXPECT_EQ(Utf8CompleteLength("a\xe2\x82\xac"), 4u);  // €, whole
  EXPECT_EQ(Utf8CompleteLength("\xf0\x9f\x98"), 0u);   // an emoji, 3 of 4
  EXPECT_EQ(Utf8CompleteLength("\xf0\x9f\x98\x80"), 4u);
  // Not UTF-8: nothing to wait for, everything goes.
  EXPECT_EQ(Utf8CompleteLength("a\xff"), 2u);
  EXPECT_EQ(Utf8CompleteLength("\x80\x80\x80\x80\x80"), 5u);
}

}  // namespace
}  // namespace coyotes
