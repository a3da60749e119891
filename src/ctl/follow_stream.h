// FollowStream: the body of GET /tasks/{id}/output?follow=1 taken apart.
// The daemon sends one JSON object per line: the output as it comes,
// {"stream": "stdout"|"stderr", "data": "..."}, then the task's end,
// {"state": ..., "exit_code": ..., "signal": ...}, after which it closes
// the stream. Lines arrive cut anywhere by the network; this keeps the
// piece of a line until its end comes. Pure, so that it is unit-tested.
#ifndef COYOTES_CTL_FOLLOW_STREAM_H_
#define COYOTES_CTL_FOLLOW_STREAM_H_

#include <functional>
#include <string>
#include <string_view>

namespace coyotes {

struct FollowEvent {
  enum Kind { kStdout, kStderr, kEnd, kOther };
  Kind kind = kOther;
  std::string data;  // the output (kStdout, kStderr), NULs included
  std::string line;  // the whole line as it came, without its "\n"
};

class FollowStream {
 public:
  explicit FollowStream(std::function<void(const FollowEvent&)> on_event)
      : on_event_(std::move(on_event)) {}

  // Bytes of the body in order; one event per complete line. Lines after
  // the end line are ignored.
  void Feed(std::string_view bytes);
  // The end line has come.
  bool ended() const { return ended_; }

 private:
  void Line(std::string_view line);

  std::function<void(const FollowEvent&)> on_event_;
  std::string partial_;
  bool ended_ = false;
};

}  // namespace coyotes

#endif  // COYOTES_CTL_FOLLOW_STREAM_H_
