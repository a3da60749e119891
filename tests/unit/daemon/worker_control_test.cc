// Unit tests for TakeControlMessages (src/daemon/worker_control.h): the
// master's bytes become messages in order, a cancel split across reads
// waits for its newline, and unknown bytes are skipped.
#include "daemon/worker_control.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coyotes {
namespace {

using Kind = ControlMessage::Kind;

TEST(TakeControlMessagesTest, EmptyBufferGivesNothing) {
  std::string buf;
  EXPECT_TRUE(TakeControlMessages(&buf).empty());
  EXPECT_EQ(buf, "");
}

TEST(TakeControlMessagesTest, SingleLetters) {
  std::string buf = "DF";
  std::vector<ControlMessage> want = {{Kind::kDrain, ""},
                                      {Kind::kFastStop, ""}};
  EXPECT_EQ(TakeControlMessages(&buf), want);
  EXPECT_EQ(buf, "");
}

TEST(TakeControlMessagesTest, CancelCarriesTheTaskId) {
  std::string buf = "Cabc-123\n";
  std::vector<ControlMessage> want = {{Kind::kCancel, "abc-123"}};
  EXPECT_EQ(TakeControlMessages(&buf), want);
  EXPECT_EQ(buf, "");
}

TEST(TakeControlMessagesTest, EmptyCancelIdIsKept) {
  std::string buf = "C\n";
  std::vector<ControlMessage> want = {{Kind::kCancel, ""}};
  EXPECT_EQ(TakeControlMessages(&buf), want);
}

TEST(TakeControlMessagesTest, OrderIsKept) {
  // The order decides the log lines and which stop reason wins.
  std::string buf = "Cx\nFDCy\nD";
  std::vector<ControlMessage> want = {{Kind::kCancel, "x"},
                                      {Kind::kFastStop, ""},
                                      {Kind::kDrain, ""},
                                      {Kind::kCancel, "y"},
                                      {Kind::kDrain, ""}};
  EXPECT_EQ(TakeControlMessages(&buf), want);
  EXPECT_EQ(buf, "");
}

TEST(TakeControlMessagesTest, PartialCancelWaitsForTheRest) {
  std::string buf = "DCtask-";
  std::vector<ControlMessage> first = {{Kind::kDrain, ""}};
  EXPECT_EQ(TakeControlMessages(&buf), first);
  EXPECT_EQ(buf, "Ctask-");
  // Nothing new: nothing taken, nothing lost.
  EXPECT_TRUE(TakeControlMessages(&buf).empty());
  EXPECT_EQ(buf, "Ctask-");
  buf += "42\nF";
  std::vector<ControlMessage> second = {{Kind::kCancel, "task-42"},
                                        {Kind::kFastStop, ""}};
  EXPECT_EQ(TakeControlMessages(&buf), second);
  EXPECT_EQ(buf, "");
}

TEST(TakeControlMessagesTest, BytesAfterAPartialCancelWait) {
  // "D" and "F" inside an unfinished cancel line belong to its id.
  std::string buf = "CaDF";
  EXPECT_TRUE(TakeControlMessages(&buf).empty());
  EXPECT_EQ(buf, "CaDF");
  buf += "\n";
  std::vector<ControlMessage> want = {{Kind::kCancel, "aDF"}};
  EXPECT_EQ(TakeControlMessages(&buf), want);
}

TEST(TakeControlMessagesTest, UnknownBytesAreSkipped) {
  std::string buf = "x\nDzF?";
  std::vector<ControlMessage> want = {{Kind::kDrain, ""},
                                      {Kind::kFastStop, ""}};
  EXPECT_EQ(TakeControlMessages(&buf), want);
  EXPECT_EQ(buf, "");
}

}  // namespace
}  // namespace coyotes
