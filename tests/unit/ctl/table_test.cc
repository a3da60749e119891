// Tables: alignment, escaping of control characters, colour.
#include "ctl/table.h"

#include <gtest/gtest.h>

namespace coyotes {
namespace {

TEST(CtlTable, AlignsColumns) {
  Table t({"ID", "STATE"});
  t.AddRow({"a", "queued"});
  t.AddRow({"long-id", "ok"});
  EXPECT_EQ(t.Render(false),
            "ID       STATE\n"
            "a        queued\n"
            "long-id  ok\n");
}

TEST(CtlTable, EscapesControlCharacters) {
  EXPECT_EQ(EscapeControl("a\nb\tc\x1b[2Jd\x7f"), "a\\nb\\tc\\x1b[2Jd\\x7f");
  // CSI as a C1 control in UTF-8, and an invalid byte.
  EXPECT_EQ(EscapeControl("x\xc2\x9b"
                          "1m\xff"),
            "x\\u009b1m\\xff");
  EXPECT_EQ(EscapeControl("caf\xc3\xa9 \\"), "caf\xc3\xa9 \\");
  Table t({"NAME"});
  t.AddRow({"evil\x1b]0;title\x07"});
  EXPECT_EQ(t.Render(false), "NAME\nevil\\x1b]0;title\\x07\n");
}

TEST(CtlTable, WidthsAndTruncation) {
  EXPECT_EQ(DisplayWidth("caf\xc3\xa9"), 4u);
  EXPECT_EQ(Truncate("abcdefgh", 6), "abc...");
  EXPECT_EQ(Truncate("abc", 6), "abc");
  Table t({"A", "B"});
  t.SetMaxWidth(0, 5);
  t.AddRow({"0123456789", "x"});
  EXPECT_EQ(t.Render(false), "A      B\n01...  x\n");
}

TEST(CtlTable, ColourOnlyWhenAsked) {
  EXPECT_EQ(Paint("failed", Style::kRed, false), "failed");
  EXPECT_EQ(Paint("failed", Style::kRed, true), "\x1b[31mfailed\x1b[0m");
  Table t({"S"});
  t.AddRow({Cell("failed", StateStyle("failed"))});
  EXPECT_EQ(t.Render(true), "\x1b[1mS\x1b[0m\n\x1b[31mfailed\x1b[0m\n");
  EXPECT_EQ(RenderFields({{"id", "x"}, {"state", "ok"}}, false),
            "id:     x\nstate:  ok\n");
}

}  // namespace
}  // namespace coyotes
