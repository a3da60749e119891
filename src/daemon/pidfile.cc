#include "daemon/pidfile.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace coyotes {

namespace {

std::string ReadSmall(int fd) {
  char buf[64];
  ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) return "";
  buf[n] = '\0';
  std::string s(buf);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Result<PidFile> PidFile::Acquire(const std::string& path) {
  // The lock must be taken on the inode that stays at `path`. A racing
  // instance may unlink the file between our open and flock (its clean
  // exit), so after locking we check that the path still names our inode.
  for (int attempt = 0; attempt < 5; attempt++) {
    UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd.valid()) return Status::Errno("pidfile " + path, errno);
    if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      if (err == EWOULDBLOCK) {
        std::string pid = ReadSmall(fd.get());
        return Status(StatusCode::kAlreadyExists,
                      "pidfile " + path + " is held by running process " +
                          (pid.empty() ? std::string("(unknown pid)") : pid));
      }
      return Status::Errno("locking pidfile " + path, err);
    }
    struct stat by_fd, by_path;
    if (fstat(fd.get(), &by_fd) != 0)
      return Status::Errno("pidfile " + path, errno);
    if (stat(path.c_str(), &by_path) != 0 || by_fd.st_ino != by_path.st_ino ||
        by_fd.st_dev != by_path.st_dev)
      continue;  // unlinked or replaced under us: try again
    // We own the path. Write the pid into a locked temporary file and
    // rename it into place: readers see the old or the new pid, never a
    // partial one, and the lock moves with the new inode.
    std::string tmp = path + ".tmp." + std::to_string(getpid());
    UniqueFd tfd(
        open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!tfd.valid()) return Status::Errno("pidfile " + tmp, errno);
    std::string text = std::to_string(getpid()) + "\n";
    if (flock(tfd.get(), LOCK_EX | LOCK_NB) != 0 ||
        write(tfd.get(), text.data(), text.size()) !=
            static_cast<ssize_t>(text.size()) ||
        rename(tmp.c_str(), path.c_str()) != 0) {
      int err = errno;
      unlink(tmp.c_str());
      return Status::Errno("writing pidfile " + path, err);
    }
    return PidFile(path, std::move(tfd));
  }
  return Status(StatusCode::kUnavailable,
                "pidfile " + path + " keeps changing under us");
}

void PidFile::Remove() {
  if (!path_.empty() && fd_.valid()) {
    // Unlink while still holding the lock, so no newcomer can lock the old
    // inode and then lose its file to our unlink.
    unlink(path_.c_str());
  }
  fd_.reset();
  path_.clear();
}

PidFile::~PidFile() = default;

}  // namespace coyotes
