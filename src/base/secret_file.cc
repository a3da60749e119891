#include "base/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/unique_fd.h"

namespace coyotes {

namespace {

constexpr off_t kMaxSecretFile = 64 * 1024;

Status FileError(const std::string& path, const std::string& what) {
  return InvalidArgument(path + ": " + what);
}

}  // namespace

Result<std::string> ReadSecretFile(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return FileError(path, std::strerror(errno));
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return FileError(path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return FileError(path, "not a regular file");
  if (st.st_mode & S_IROTH)
    return FileError(path,
                     "readable by other users; chmod o-r " + path + " first");
  if (st.st_size > kMaxSecretFile) return FileError(path, "larger than 64 KiB");
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FileError(path, std::strerror(errno));
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (static_cast<off_t>(out.size()) > kMaxSecretFile)
      return FileError(path, "larger than 64 KiB");
  }
  return out;
}

Result<std::string> SecretLine(const std::string& content) {
  std::string s = content;
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (!s.empty() && s.back() == '\r') s.pop_back();
  if (s.empty()) return InvalidArgument("empty");
  if (s.find_first_of(std::string("\r\n\0", 3)) != std::string::npos)
    return InvalidArgument("holds more than one line");
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  if (blank(s.front()) || blank(s.back()))
    return InvalidArgument("begins or ends with a blank");
  return s;
}

}  // namespace coyotes
