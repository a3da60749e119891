// Status and Result<T>: the world's failures as values.
//
// A Status carries a code and a message that gathers context on the way up
// ("connect 127.0.0.1:6379: Connection refused"). Bugs are CHECKs, not
// Statuses. Result<T> is either a value or a non-OK Status.
#ifndef COYOTES_BASE_STATUS_H_
#define COYOTES_BASE_STATUS_H_

#include <string>
#include <utility>
#include <variant>

#include <glog/logging.h>

namespace coyotes {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad input from a user or a producer
  kNotFound,
  kAlreadyExists,
  kUnavailable,       // Redis down, resource busy: try again later
  kPermissionDenied,  // e.g. wrong Redis password
  kIoError,           // a system call failed
  kInternal,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  // errno captured by the caller at once: Status::Errno("open " + path, errno).
  static Status Errno(const std::string& what, int err);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes context: "reading pidfile: " + message.
  Status Annotate(const std::string& context) const;
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return Status(StatusCode::kInvalidArgument, std::move(m));
}
inline Status NotFound(std::string m) {
  return Status(StatusCode::kNotFound, std::move(m));
}
inline Status Unavailable(std::string m) {
  return Status(StatusCode::kUnavailable, std::move(m));
}
inline Status Internal(std::string m) {
  return Status(StatusCode::kInternal, std::move(m));
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    CHECK(!std::get<Status>(v_).ok()) << "Result from an OK Status";
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & {
    CHECK(ok()) << status().ToString();
    return std::get<T>(v_);
  }
  const T& value() const& {
    CHECK(ok()) << status().ToString();
    return std::get<T>(v_);
  }
  T&& value() && {
    CHECK(ok()) << status().ToString();
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  T& operator*() { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace coyotes

#endif  // COYOTES_BASE_STATUS_H_
