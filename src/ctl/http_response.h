// HttpResponseParser: an HTTP/1.1 response read in whatever pieces the
// socket gives, with the body framed by Content-Length, chunked transfer
// coding, or the end of the connection. Pure: no socket here, so that
// split reads and broken input are unit-tested without a network.
#ifndef COYOTES_CTL_HTTP_RESPONSE_H_
#define COYOTES_CTL_HTTP_RESPONSE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "base/status.h"

namespace coyotes {

// One parser per response. Feed() the bytes as they come and Finish() at
// the end of the connection. The body goes to the sink when one is set
// (set it before the first Feed(), or from a check of the head: it is
// looked up when the first body byte arrives), else into body(). A
// response whose status is 1xx is skipped, as the next one follows it.
class HttpResponseParser {
 public:
  using Sink = std::function<void(std::string_view)>;

  // Bytes of the response in order. InvalidArgument, naming what is wrong,
  // for a response that is not HTTP/1.x or is framed wrongly; later calls
  // then fail the same way.
  Status Feed(std::string_view bytes);
  // The peer closed the connection: OK when the response is complete (or
  // its body runs to the close), else InvalidArgument ("truncated").
  Status Finish();

  bool head_done() const { return state_ > State::kHead; }
  bool done() const { return state_ == State::kDone; }
  int status() const { return status_; }
  // Lowercased names; a repeated header's values joined by ", ".
  const std::map<std::string, std::string>& headers() const { return headers_; }
  std::string Header(const std::string& lower_name) const;
  const std::string& body() const { return body_; }
  void set_sink(Sink sink) { sink_ = std::move(sink); }

  // Limits that keep a broken or hostile peer from growing memory without
  // end (a streamed body is not held, so it has no limit).
  static constexpr size_t kMaxHeadBytes = 64 * 1024;
  static constexpr size_t kMaxBufferedBody = 256 * 1024 * 1024;

 private:
  enum class State {
    kHead,
    kBodyLength,
    kBodyClose,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailers,
    kDone,
    kError
  };
  Status ParseHead(std::string_view head);
  Status Fail(std::string why);
  Status Body(std::string_view bytes);

  State state_ = State::kHead;
  std::string pending_;  // bytes not consumed yet (head, chunk lines)
  int status_ = 0;
  std::map<std::string, std::string> headers_;
  uint64_t left_ = 0;  // of the body (Content-Length) or of the chunk
  std::string body_;
  Sink sink_;
  std::string error_;
};

}  // namespace coyotes

#endif  // COYOTES_CTL_HTTP_RESPONSE_H_
