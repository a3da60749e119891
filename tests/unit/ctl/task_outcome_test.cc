// The exit status of push --wait and wait, from a final record.
#include "ctl/task_outcome.h"

#include <gtest/gtest.h>
#include <signal.h>

#include "base/json_util.h"

namespace coyotes {
namespace {

int StatusOf(const char* json) {
  json_error_t err;
  JsonPtr r(json_loads(json, 0, &err));
  EXPECT_NE(r, nullptr) << json;
  return TaskExitStatus(r.get());
}

TEST(CtlTaskOutcome, ExitCodesSignalsAndTheRest) {
  EXPECT_EQ(StatusOf(R"({"state":"succeeded","exit_code":0,"signal":null})"),
            0);
  EXPECT_EQ(StatusOf(R"({"state":"failed","exit_code":3,"signal":null})"), 3);
  EXPECT_EQ(
      StatusOf(R"({"state":"failed","exit_code":null,"signal":"SIGKILL"})"),
      128 + SIGKILL);
  EXPECT_EQ(
      StatusOf(R"({"state":"failed","exit_code":null,"signal":"SIGTERM"})"),
      128 + SIGTERM);
  EXPECT_EQ(StatusOf(R"({"state":"cancelled","exit_code":null,)"
                     R"("signal":"SIGTERM"})"),
            1);
  EXPECT_EQ(StatusOf(R"({"state":"failed","exit_code":null,"signal":null})"),
            1);
}

TEST(CtlTaskOutcome, FinalStatesAndSignalNames) {
  EXPECT_TRUE(IsFinalState("succeeded"));
  EXPECT_TRUE(IsFinalState("cancelled"));
  EXPECT_FALSE(IsFinalState("delayed"));
  EXPECT_FALSE(IsFinalState(""));
  EXPECT_EQ(SignalNumber("SIGSEGV"), SIGSEGV);
  EXPECT_EQ(SignalNumber("HUP"), SIGHUP);
  EXPECT_EQ(SignalNumber("SIGNOPE"), 0);
}

}  // namespace
}  // namespace coyotes
