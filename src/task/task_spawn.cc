#include "task/task_spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace coyotes {

namespace {

// What the child reads; prepared before vfork so that the child neither
// allocates nor takes a lock (the caller's memory is shared with it).
struct ChildPlan {
  const char* const* files;  // candidates as C strings, null-terminated
  char* const* argv;
  char* const* envp;
  int stdio[3];  // each above 2
  const char* cwd;
  volatile int error;  // written by the child before it exits
};

// Past these errors execvp tries the next PATH entry: the file is missing
// or not ours to run.
bool TryNext(int err) {
  return err == ENOENT || err == ENOTDIR || err == EACCES || err == ESTALE ||
         err == ENODEV || err == ETIMEDOUT;
}

[[noreturn]] void ChildFail(ChildPlan* plan, int err) {
  plan->error = err;
  _exit(127);
}

// The child, between vfork and execve. All signals are blocked (the
// caller blocked them): no handler of the daemon's can run here.
[[noreturn]] void RunChild(ChildPlan* plan) {
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < 32; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
  if (setsid() < 0) ChildFail(plan, errno);
  // The sources are above 2 (Spawn made sure), so none of these dup2s
  // closes another's source, and each clears close-on-exec.
  for (int fd = 0; fd < 3; fd++)
    if (dup2(plan->stdio[fd], fd) < 0) ChildFail(plan, errno);
  // (Linux 5.9 and later; on an older kernel the task fails to start
  // rather than inherit what it must not.)
  if (close_range(3, ~0U, 0) != 0) ChildFail(plan, errno);
  if (plan->cwd != nullptr && chdir(plan->cwd) != 0) ChildFail(plan, errno);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  bool denied = false;
  int err = ENOENT;
  for (const char* const* f = plan->files; *f != nullptr; f++) {
    execve(*f, plan->argv, plan->envp);
    err = errno;
    if (!TryNext(err)) break;
    if (err == EACCES) denied = true;
  }
  ChildFail(plan, TryNext(err) && denied ? EACCES : err);
}

// A descriptor numbered 3 or above for `fd` (a daemon started with 0, 1
// or 2 closed hands those numbers out again): the child's dup2s onto 0-2
// then cannot close each other's sources.
int AboveStdio(int fd, int* spare) {
  if (fd > 2) return fd;
  *spare = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  return *spare;
}

}  // namespace

int Spawn(const SpawnRequest& req, pid_t* pid) {
  if (req.candidates.empty()) return ENOENT;
  std::vector<const char*> files;
  files.reserve(req.candidates.size() + 1);
  for (const auto& c : req.candidates) files.push_back(c.c_str());
  files.push_back(nullptr);
  ChildPlan plan{files.data(), req.argv, req.envp, {}, req.cwd, 0};
  int spare[3] = {-1, -1, -1};
  auto close_spares = [&] {
    for (int fd : spare)
      if (fd >= 0) close(fd);
  };
  const int given[3] = {req.stdin_fd, req.stdout_fd, req.stderr_fd};
  for (int i = 0; i < 3; i++) {
    plan.stdio[i] = AboveStdio(given[i], &spare[i]);
    if (plan.stdio[i] < 0) {
      int err = errno;
      close_spares();
      return err;
    }
  }

  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t child = vfork();
  if (child == 0) RunChild(&plan);
  int err = child < 0 ? errno : plan.error;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  close_spares();
  if (child < 0) return err;
  if (err != 0) {
    // The child has exited (vfork returned): reap it.
    while (waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
    }
    return err;
  }
  *pid = child;
  return 0;
}

}  // namespace coyotes
