// UniqueFd: the owner of one file descriptor. Move-only; closes on
// destruction. Every descriptor the daemon opens lives in one of these.
#ifndef COYOTES_BASE_UNIQUE_FD_H_
#define COYOTES_BASE_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace coyotes {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace coyotes

#endif  // COYOTES_BASE_UNIQUE_FD_H_
