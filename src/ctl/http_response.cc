#include "ctl/http_response.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace coyotes {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower((unsigned char)c));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// A line ending at "\n" (the "\r" before it dropped) from `buf` at `*pos`;
// false when the line is not complete yet.
bool TakeLine(const std::string& buf, size_t* pos, std::string_view* line) {
  size_t nl = buf.find('\n', *pos);
  if (nl == std::string::npos) return false;
  std::string_view l(buf.data() + *pos, nl - *pos);
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  *line = l;
  *pos = nl + 1;
  return true;
}

// Whole non-negative decimal or hexadecimal numbers, without overflow.
bool ParseUnsigned(std::string_view s, int base, uint64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string HttpResponseParser::Header(const std::string& lower_name) const {
  auto it = headers_.find(lower_name);
  return it == headers_.end() ? std::string() : it->second;
}

Status HttpResponseParser::Fail(std::string why) {
  state_ = State::kError;
  error_ = std::move(why);
  return InvalidArgument(error_);
}

Status HttpResponseParser::Body(std::string_view bytes) {
  if (bytes.empty()) return Status::Ok();
  if (sink_) {
    sink_(bytes);
    return Status::Ok();
  }
  if (body_.size() + bytes.size() > kMaxBufferedBody)
    return Fail("response body too large");
  body_.append(bytes);
  return Status::Ok();
}

Status HttpResponseParser::ParseHead(std::string_view head) {
  // Status line: HTTP/1.x SP 3DIGIT [SP reason]
  size_t eol = head.find('\n');
  std::string_view line = head.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ')
    return Fail("not an HTTP/1.x response");
  uint64_t code = 0;
  if (!ParseUnsigned(line.substr(9, 3), 10, &code) || code < 100 ||
      code > 999 || (line.size() > 12 && line[12] != ' '))
    return Fail("bad status line");
  status_ = static_cast<int>(code);
  headers_.clear();
  std::string_view rest =
      eol == std::string_view::npos ? std::string_view() : head.substr(eol + 1);
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view h = rest.substr(0, nl);
    rest =
        nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!h.empty() && h.back() == '\r') h.remove_suffix(1);
    if (h.empty()) continue;
    size_t colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return Fail("bad header line");
    std::string name = Lower(h.substr(0, colon));
    std::string value(Trim(h.substr(colon + 1)));
    auto [it, fresh] = headers_.emplace(name, value);
    if (!fresh) it->second += ", " + value;
  }
  if (status_ < 200) {  // 1xx: another head follows
    state_ = State::kHead;
    return Status::Ok();
  }
  if (status_ == 204 || status_ == 304) {
    state_ = State::kDone;
    return Status::Ok();
  }
  // Chunked wins over Content-Length (RFC 9112, 6.3).
  std::string te = Lower(Header("transfer-encoding"));
  if (!te.empty()) {
    if (te.size() < 7 || te.substr(te.size() - 7) != "chunked")
      return Fail("unsupported transfer coding: " + te);
    state_ = State::kChunkSize;
    return Status::Ok();
  }
  auto cl = headers_.find("content-length");
  if (cl != headers_.end()) {
    if (!ParseUnsigned(cl->second, 10, &left_))
      return Fail("bad Content-Length: " + cl->second);
    state_ = left_ == 0 ? State::kDone : State::kBodyLength;
    return Status::Ok();
  }
  state_ = State::kBodyClose;
  return Status::Ok();
}

Status HttpResponseParser::Feed(std::string_view bytes) {
  if (state_ == State::kError) return InvalidArgument(error_);
  if (state_ == State::kDone) {
    // Anything after a complete response is ignored: we sent one request
    // and asked for the connection to close.
    return Status::Ok();
  }
  if (state_ == State::kBodyClose) return Body(bytes);
  if (state_ == State::kBodyLength && pending_.empty()) {
    // The common case, without a copy through pending_.
    size_t n = static_cast<size_t>(std::min<uint64_t>(left_, bytes.size()));
    Status s = Body(bytes.substr(0, n));
    if (!s.ok()) return s;
    left_ -= n;
    if (left_ == 0) state_ = State::kDone;
    return Status::Ok();
  }
  pending_.append(bytes);
  size_t pos = 0;
  Status s;
  while (s.ok() && state_ != State::kDone && state_ != State::kError) {
    std::string_view line;
    if (state_ == State::kHead) {
      size_t end = pending_.find("\r\n\r\n", pos);
      size_t skip = 4;
      size_t lf = pending_.find("\n\n", pos);
      if (lf != std::string::npos && (end == std::string::npos || lf < end)) {
        end = lf;
        skip = 2;
      }
      if (end == std::string::npos) {
        if (pending_.size() - pos > kMaxHeadBytes)
          s = Fail("response head too large");
        break;
      }
      s = ParseHead(std::string_view(pending_).substr(pos, end - pos));
      pos = end + skip;
    } else if (state_ == State::kBodyLength || state_ == State::kBodyClose ||
               state_ == State::kChunkData) {
      size_t avail = pending_.size() - pos;
      if (avail == 0) break;
      size_t n = state_ == State::kBodyClose
                     ? avail
                     : static_cast<size_t>(std::min<uint64_t>(left_, avail));
      s = Body(std::string_view(pending_).substr(pos, n));
      pos += n;
      if (state_ == State::kBodyClose) continue;
      left_ -= n;
      if (left_ == 0)
        state_ =
            state_ == State::kBodyLength ? State::kDone : State::kChunkDataEnd;
    } else if (state_ == State::kChunkSize) {
      if (!TakeLine(pending_, &pos, &line)) {
        if (pending_.size() - pos > 1024) s = Fail("chunk size line too long");
        break;
      }
      std::string_view size = Trim(line.substr(0, line.find(';')));
      if (!ParseUnsigned(size, 16, &left_) || size.size() > 15)
        s = Fail("bad chunk size");
      else
        state_ = left_ == 0 ? State::kTrailers : State::kChunkData;
    } else if (state_ == State::kChunkDataEnd) {
      if (!TakeLine(pending_, &pos, &line)) {
        if (pending_.size() - pos > 2) s = Fail("chunk not followed by CRLF");
        break;
      }
      if (!line.empty())
        s = Fail("chunk not followed by CRLF");
      else
        state_ = State::kChunkSize;
    } else if (state_ == State::kTrailers) {
      if (!TakeLine(pending_, &pos, &line)) {
        if (pending_.size() - pos > kMaxHeadBytes)
          s = Fail("trailers too large");
        break;
      }
      if (line.empty()) state_ = State::kDone;
    }
  }
  pending_.erase(0, pos);
  if (state_ == State::kDone) pending_.clear();
  return s;
}

Status HttpResponseParser::Finish() {
  if (state_ == State::kError) return InvalidArgument(error_);
  if (state_ == State::kBodyClose) state_ = State::kDone;
  if (state_ == State::kDone) return Status::Ok();
  if (state_ == State::kHead && pending_.empty() && status_ == 0)
    return Fail("connection closed without a response");
  return Fail("response truncated");
}

}  // namespace coyotes
