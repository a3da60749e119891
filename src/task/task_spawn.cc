#include "task/task_spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "task/isolation.h"
#include "task/spawn_setup.h"

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
  const LimitPlan* limits = nullptr;  // null: none
  bool no_new_privs = false;
  bool probe_only = false;
  // Isolated spawns: the namespaces, the descriptor on which a failure is
  // reported ({step, errno}; closed on exec) and, with a PID namespace,
  // where our init reports how the task ended. -1 when not used.
  const NamespacePlan* ns = nullptr;
  int error_fd = -1;
  int report_fd = -1;
  // The vfork path: written by the child before it exits.
  volatile int error = 0;
  volatile int step = 0;
};

// Past these errors execvp tries the next PATH entry: the file is missing
// or not ours to run.
bool TryNext(int err) {
  return err == ENOENT || err == ENOTDIR || err == EACCES || err == ESTALE ||
         err == ENODEV || err == ETIMEDOUT;
}

[[noreturn]] void ChildFail(ChildPlan* plan, SetupStep step, int err) {
  if (plan->error_fd >= 0) {
    // A copy of our memory (clone): the parent reads this from the pipe.
    const int msg[2] = {static_cast<int>(step), err};
    ssize_t n = write(plan->error_fd, msg, sizeof(msg));
    (void)n;  // nothing more to do: the parent then sees a plain exit
  } else {
    plan->step = static_cast<int>(step);
    plan->error = err;
  }
  _exit(127);
}

void DefaultSignals() {
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < 32; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
}

// Closes every descriptor from 3 up but `keep` (-1: none).
bool CloseFrom3Except(int keep) {
  // (Linux 5.9 and later; on an older kernel the task fails to start
  // rather than inherit what it must not.)
  if (keep < 3) return close_range(3, ~0U, 0) == 0;
  if (keep > 3 && close_range(3, keep - 1, 0) != 0) return false;
  return close_range(keep + 1, ~0U, 0) == 0;
}

// The task's own process, in its session, from its descriptors to execve.
// All signals are still blocked, as the caller blocked them.
[[noreturn]] void ExecTask(ChildPlan* plan) {
  // The sources are above 2 (Spawn made sure), so none of these dup2s
  // closes another's source, and each clears close-on-exec.
  for (int fd = 0; fd < 3; fd++)
    if (dup2(plan->stdio[fd], fd) < 0) ChildFail(plan, SetupStep::kNone, errno);
  if (!CloseFrom3Except(plan->error_fd))
    ChildFail(plan, SetupStep::kNone, errno);
  if (plan->cwd != nullptr && chdir(plan->cwd) != 0)
    ChildFail(plan, SetupStep::kNone, errno);
  // Last, so that nothing of ours above runs under the task's limits.
  if (plan->limits != nullptr) {
    SetupStep failed = ApplyLimits(*plan->limits);
    if (failed != SetupStep::kNone) ChildFail(plan, failed, errno);
  }
  if (plan->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    ChildFail(plan, SetupStep::kNoNewPrivs, errno);
  if (plan->probe_only) _exit(0);
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
  ChildFail(plan, SetupStep::kNone, TryNext(err) && denied ? EACCES : err);
}

// The child, between vfork and execve. All signals are blocked (the
// caller blocked them): no handler of the daemon's can run here.
[[noreturn]] void RunChild(ChildPlan* plan) {
  DefaultSignals();
  if (setsid() < 0) ChildFail(plan, SetupStep::kNone, errno);
  ExecTask(plan);
}

// The child of clone3, in its new namespaces, with a copy of our memory:
// it reports through plan->error_fd. With a PID namespace it is PID 1 and
// becomes our init (spawn_setup.h); the task is its child.
[[noreturn]] void RunClonedChild(ChildPlan* plan) {
  DefaultSignals();
  // Leader of the group the executor signals: with a PID namespace only
  // this init is in it, and it forwards to the task.
  if (setsid() < 0) ChildFail(plan, SetupStep::kNone, errno);
  SetupStep failed = EnterNamespaces(*plan->ns);
  if (failed != SetupStep::kNone) ChildFail(plan, failed, errno);
  if (!(plan->ns->isolate & kIsolatePid)) ExecTask(plan);
  // Handlers first: a signal the init has no handler for is dropped, and
  // one that comes before the task exists waits, blocked, until
  // RunPidInit knows whom to forward it to.
  InstallInitHandlers();
  pid_t task = CloneProcess(0);
  if (task == 0) {
    DefaultSignals();
    if (setsid() < 0) ChildFail(plan, SetupStep::kNone, errno);
    ExecTask(plan);
  }
  if (task < 0) ChildFail(plan, SetupStep::kInitFork, errno);
  // Init keeps only its report: the parent reads EOF on the error pipe
  // once the task has exec'd (the task's copy is close-on-exec) or the
  // task's failure once written; the task alone holds its output pipes;
  // and none of the daemon's descriptors (Redis, control pipes) live on
  // in a process that never execs.
  for (int fd = 0; fd < 3; fd++) close(fd);
  CloseFrom3Except(plan->report_fd);
  RunPidInit(task, plan->report_fd);
}

// A descriptor numbered 3 or above for `fd` (a daemon started with 0, 1
// or 2 closed hands those numbers out again): the child's dup2s onto 0-2
// then cannot close each other's sources.
int AboveStdio(int fd, int* spare) {
  if (fd > 2) return fd;
  *spare = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  return *spare;
}

// A close-on-exec pipe whose ends are both above 2 (see AboveStdio).
int PipeAboveStdio(UniqueFd* r, UniqueFd* w) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return errno;
  r->reset(p[0]);
  w->reset(p[1]);
  for (UniqueFd* end : {r, w}) {
    if (end->get() > 2) continue;
    int moved = fcntl(end->get(), F_DUPFD_CLOEXEC, 3);
    if (moved < 0) return errno;
    end->reset(moved);
  }
  return 0;
}

void Reap(pid_t child) {
  while (waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
  }
}

void SetStep(SpawnResult* result, SetupStep step) {
  if (step == SetupStep::kNone) return;
  result->step = SetupStepName(step);
  result->isolation_unavailable = SetupStepIsIsolation(step);
}

// The spawn in namespaces: clone3 (a copy of the process, as fork makes)
// rather than vfork, since the child builds its namespaces and, for a PID
// namespace, lives on as the task's init. Failures come back on a pipe.
int SpawnCloned(ChildPlan* plan, const Isolation& isolation,
                SpawnResult* result) {
  const NamespacePlan ns = PlanNamespaces(isolation.isolate);
  plan->ns = &ns;
  UniqueFd error_r, error_w, report_r, report_w;
  if (int err = PipeAboveStdio(&error_r, &error_w)) return err;
  if (isolation.isolate & kIsolatePid) {
    if (int err = PipeAboveStdio(&report_r, &report_w)) return err;
    fcntl(report_r.get(), F_SETFL, O_NONBLOCK);
  }
  plan->error_fd = error_w.get();
  plan->report_fd = report_w.get();

  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t child = CloneProcess(CloneFlags(ns));
  if (child == 0) RunClonedChild(plan);
  int err = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  error_w.reset();
  report_w.reset();
  if (child < 0) {
    SetStep(result, DiagnoseClone(ns, &err));
    return err;
  }
  int msg[2];
  size_t got = 0;
  while (got < sizeof(msg)) {
    ssize_t n = read(error_r.get(), reinterpret_cast<char*>(msg) + got,
                     sizeof(msg) - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (got == sizeof(msg)) {
    Reap(child);
    SetStep(result, static_cast<SetupStep>(msg[0]));
    return msg[1];
  }
  result->pid = child;
  result->exit_report = std::move(report_r);
  return 0;
}

}  // namespace

int Spawn(const SpawnRequest& req, SpawnResult* result) {
  if (req.candidates.empty() && !req.probe_only) return ENOENT;
  std::vector<const char*> files;
  files.reserve(req.candidates.size() + 1);
  for (const auto& c : req.candidates) files.push_back(c.c_str());
  files.push_back(nullptr);
  ChildPlan plan;
  plan.files = files.data();
  plan.argv = req.argv;
  plan.envp = req.envp;
  plan.cwd = req.cwd;
  plan.probe_only = req.probe_only;
  LimitPlan limits;
  if (req.isolation != nullptr) {
    limits = PlanLimits(req.isolation->limits);
    if (limits.count > 0) plan.limits = &limits;
    plan.no_new_privs = req.isolation->isolate != 0;
  }
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

  if (req.isolation != nullptr && req.isolation->namespaces()) {
    int err = SpawnCloned(&plan, *req.isolation, result);
    close_spares();
    return err;
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
    Reap(child);
    SetStep(result, static_cast<SetupStep>(plan.step));
    return err;
  }
  result->pid = child;
  return 0;
}

int Spawn(const SpawnRequest& req, pid_t* pid) {
  SpawnResult result;
  int err = Spawn(req, &result);
  if (err == 0) *pid = result.pid;
  return err;
}

bool ReadExitReport(int fd, ExitReport* report) {
  ExitReport r;
  ssize_t n;
  while ((n = read(fd, &r, sizeof(r))) < 0 && errno == EINTR) {
  }
  if (n != static_cast<ssize_t>(sizeof(r))) return false;
  *report = r;
  return true;
}

}  // namespace coyotes
