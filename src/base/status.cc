#include "base/status.h"

#include <cstring>

namespace coyotes {

Status Status::Errno(const std::string& what, int err) {
  StatusCode code = StatusCode::kIoError;
  if (err == ENOENT) code = StatusCode::kNotFound;
  if (err == EACCES || err == EPERM) code = StatusCode::kPermissionDenied;
  return Status(code, what + ": " + std::strerror(err));
}

Status Status::Annotate(const std::string& context) const {
  if (ok()) return *this;
  return Status(code_, context + ": " + message_);
}

std::string Status::ToString() const { return ok() ? "OK" : message_; }

}  // namespace coyotes
