// PidFile: the daemon's pid file, held with flock(2) for the master's life.
//
// The lock, not the file's existence, says whether a daemon runs: a pid file
// nobody holds is stale whatever pid it names and is taken over. Readers
// never see a half-written pid: the pid goes into a locked temporary file
// that is renamed over the path, so the lock travels with the new inode.
#ifndef COYOTES_DAEMON_PIDFILE_H_
#define COYOTES_DAEMON_PIDFILE_H_

#include <string>

#include "base/status.h"
#include "base/unique_fd.h"

namespace coyotes {

class PidFile {
 public:
  // Takes the lock and writes getpid(). kAlreadyExists when another live
  // process holds it; the message names that process's pid.
  static Result<PidFile> Acquire(const std::string& path);

  PidFile(PidFile&&) = default;
  PidFile& operator=(PidFile&&) = default;
  ~PidFile();

  // Unlinks the file (clean exit). The destructor only closes: a process
  // that forked a child must not let the child's copy remove the file.
  void Remove();
  // Closes the descriptor without unlinking (used in forked children).
  void Forget() {
    fd_.reset();
    path_.clear();
  }

  const std::string& path() const { return path_; }

 private:
  PidFile(std::string path, UniqueFd fd)
      : path_(std::move(path)), fd_(std::move(fd)) {}
  std::string path_;
  UniqueFd fd_;
};

}  // namespace coyotes

#endif  // COYOTES_DAEMON_PIDFILE_H_
