// The ndjson body of GET /tasks/{id}/output?follow=1, cut anywhere.
#include "ctl/follow_stream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coyotes {
namespace {

const char kBody[] =
    "{\"stream\":\"stdout\",\"data\":\"first\\n\"}\n"
    "{\"stream\":\"stderr\",\"data\":\"a\\u0000b\"}\r\n"
    "\n"
    "{\"stream\":\"stdout\",\"data\":\"second\\n\"}\n"
    "{\"state\":\"succeeded\",\"exit_code\":0,\"signal\":null}\n"
    "{\"stream\":\"stdout\",\"data\":\"after the end\"}\n";

TEST(CtlFollowStream, EventsInOrderHoweverTheBytesAreCut) {
  const std::string body = kBody;
  for (size_t step : {body.size(), size_t{1}, size_t{5}}) {
    std::vector<FollowEvent> events;
    FollowStream s([&](const FollowEvent& e) { events.push_back(e); });
    for (size_t i = 0; i < body.size(); i += step)
      s.Feed(std::string_view(body).substr(i, step));
    ASSERT_EQ(events.size(), 4u) << step;
    EXPECT_EQ(events[0].kind, FollowEvent::kStdout);
    EXPECT_EQ(events[0].data, "first\n");
    EXPECT_EQ(events[1].kind, FollowEvent::kStderr);
    EXPECT_EQ(events[1].data, std::string("a\0b", 3));
    EXPECT_EQ(events[2].data, "second\n");
    EXPECT_EQ(events[3].kind, FollowEvent::kEnd);
    EXPECT_EQ(events[3].line,
              "{\"state\":\"succeeded\",\"exit_code\":0,\"signal\":null}");
    EXPECT_TRUE(s.ended());
  }
}

TEST(CtlFollowStream, UnknownLinesAndACutEnd) {
  std::vector<FollowEvent> events;
  FollowStream s([&](const FollowEvent& e) { events.push_back(e); });
  s.Feed("not json\n{\"stream\":\"video\",\"data\":\"x\"}\n{\"state\":");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, FollowEvent::kOther);
  EXPECT_EQ(events[1].kind, FollowEvent::kOther);
  EXPECT_FALSE(s.ended()) << "the end line is not complete";
}

}  // namespace
}  // namespace coyotes
