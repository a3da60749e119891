#include "daemon/process.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "base/log.h"

namespace coyotes {

Result<pid_t> ForkChild(
    const std::vector<int>& keep,
    const std::function<int(const std::vector<int>&)>& body) {
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  google::FlushLogFiles(google::GLOG_INFO);
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    sigprocmask(SIG_SETMASK, &old, nullptr);
    return Status::Errno("fork", err);
  }
  if (pid > 0) {
    sigprocmask(SIG_SETMASK, &old, nullptr);
    return pid;
  }

  // Child. Signals are blocked: nothing of the parent's runs here.
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    signal(sig, SIG_DFL);
  }
  // Renumber the kept descriptors from 3 and close everything else: the
  // HTTP listener, the master's Redis sockets, libevent's internals and the
  // pid file's lock stay with the master.
  int first_free = 3 + static_cast<int>(keep.size());
  std::vector<int> moved;
  for (int fd : keep) moved.push_back(fcntl(fd, F_DUPFD, first_free));
  std::vector<int> final_fds;
  for (size_t i = 0; i < moved.size(); i++) {
    int target = 3 + static_cast<int>(i);
    dup2(moved[i], target);
    final_fds.push_back(target);
  }
  closefrom(first_free);
  // Log files were among the closed descriptors.
  ReopenLogFiles();
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  int code = body(final_fds);
  google::FlushLogFiles(google::GLOG_INFO);
  _exit(code);
}

}  // namespace coyotes
