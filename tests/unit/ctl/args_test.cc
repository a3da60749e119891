// coyotesctl's option parsing: the getopt_long conventions, per command.
#include "ctl/args.h"

#include <gtest/gtest.h>

namespace coyotes {
namespace {

constexpr OptSpec kSpecs[] = {
    {"channel", 'c', true}, {"follow", 'f', false}, {"env", 0, true}};

TEST(CtlArgs, LongShortAttachedAndRepeated) {
  auto p = ParseArgs(
      {"-c", "ci", "--env=A=1", "--env", "B=2", "-fcother", "id1"}, kSpecs);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(*p->Get("channel"), "other") << "the last one wins";
  EXPECT_TRUE(p->Has("follow"));
  EXPECT_EQ(p->GetAll("env"), (std::vector<std::string>{"A=1", "B=2"}));
  EXPECT_EQ(p->positional, (std::vector<std::string>{"id1"}));
  EXPECT_FALSE(p->Get("missing").has_value());
}

TEST(CtlArgs, MixedOrStoppingAtTheFirstOperand) {
  auto mixed = ParseArgs({"id1", "-f"}, kSpecs);
  ASSERT_TRUE(mixed.ok());
  EXPECT_TRUE(mixed->Has("follow"));
  auto stop = ParseArgs({"-c", "ci", "make", "-f", "x"}, kSpecs,
                        Positionals::kStopAtFirst);
  ASSERT_TRUE(stop.ok());
  EXPECT_FALSE(stop->Has("follow"));
  EXPECT_EQ(stop->positional, (std::vector<std::string>{"make", "-f", "x"}));
}

TEST(CtlArgs, DoubleDashEndsOptions) {
  auto p = ParseArgs({"-f", "--", "-c", "--env", "-"}, kSpecs);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->positional, (std::vector<std::string>{"-c", "--env", "-"}));
  EXPECT_FALSE(p->Has("channel"));
}

TEST(CtlArgs, UsageErrors) {
  EXPECT_FALSE(ParseArgs({"--nope"}, kSpecs).ok());
  EXPECT_FALSE(ParseArgs({"-x"}, kSpecs).ok());
  EXPECT_FALSE(ParseArgs({"-c"}, kSpecs).ok());
  EXPECT_FALSE(ParseArgs({"--channel"}, kSpecs).ok());
  EXPECT_FALSE(ParseArgs({"--follow=yes"}, kSpecs).ok());
  auto p = ParseArgs({"--nope"}, kSpecs);
  EXPECT_EQ(p.status().message(), "unknown option --nope");
}

}  // namespace
}  // namespace coyotes
