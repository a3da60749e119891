#include "task/spawn_setup.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "task/task_spawn.h"

namespace coyotes {

namespace {

// struct clone_args of <linux/sched.h> up to tls (CLONE_ARGS_SIZE_VER0);
// spelled here because that header and glibc's <sched.h> do not mix.
struct CloneArgs {
  uint64_t flags;
  uint64_t pidfd;
  uint64_t child_tid;
  uint64_t parent_tid;
  uint64_t exit_signal;
  uint64_t stack;
  uint64_t stack_size;
  uint64_t tls;
};

// Writes all of `text` to `path`; false with errno set.
bool WriteFile(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  size_t len = strlen(text);
  ssize_t n = write(fd, text, len);
  int err = errno;
  close(fd);
  if (n == static_cast<ssize_t>(len)) return true;
  errno = n < 0 ? err : EIO;
  return false;
}

// Brings `lo` up: a fresh network namespace has it, down.
bool LoopbackUp() {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  memcpy(ifr.ifr_name, "lo", 3);
  bool ok = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
  if (ok) {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    ok = ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
  }
  int err = errno;
  close(fd);
  errno = err;
  return ok;
}

// A private tmpfs on `dir`, as /tmp is: sticky and world-writable.
bool MountTmp(const char* dir) {
  return mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") == 0;
}

// The task's process group (it leads its own session), for the handler.
volatile pid_t g_task_group = 0;

void Forward(int sig) {
  int err = errno;
  if (g_task_group > 0) kill(-g_task_group, sig);
  errno = err;
}

constexpr int kForwarded[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGTERM,
                              SIGUSR1, SIGUSR2, SIGCONT, SIGWINCH};

}  // namespace

const char* SetupStepName(SetupStep step) {
  switch (step) {
    case SetupStep::kNone:
      return "exec";
    case SetupStep::kUserNs:
      return "user namespace";
    case SetupStep::kNetNs:
      return "net namespace";
    case SetupStep::kMountNs:
      return "mount namespace";
    case SetupStep::kPidNs:
      return "pid namespace";
    case SetupStep::kSetgroups:
      return "user namespace: setgroups";
    case SetupStep::kUidMap:
      return "user namespace: uid_map";
    case SetupStep::kGidMap:
      return "user namespace: gid_map";
    case SetupStep::kPrivateMounts:
      return "tmp: private mount propagation";
    case SetupStep::kTmpfsTmp:
      return "tmp: tmpfs on /tmp";
    case SetupStep::kTmpfsVarTmp:
      return "tmp: tmpfs on /var/tmp";
    case SetupStep::kLoopbackUp:
      return "net: loopback up";
    case SetupStep::kNoNewPrivs:
      return "no_new_privs";
    case SetupStep::kLimitCpu:
      return "setrlimit(cpu)";
    case SetupStep::kLimitMemory:
      return "setrlimit(memory)";
    case SetupStep::kLimitNofile:
      return "setrlimit(nofile)";
    case SetupStep::kLimitNproc:
      return "setrlimit(nproc)";
    case SetupStep::kLimitFsize:
      return "setrlimit(fsize)";
    case SetupStep::kLimitCore:
      return "setrlimit(core)";
    case SetupStep::kInitFork:
      return "pid namespace: fork of the task";
  }
  return "setup";
}

bool SetupStepIsIsolation(SetupStep step) {
  return step >= SetupStep::kUserNs && step <= SetupStep::kNoNewPrivs;
}

LimitPlan PlanLimits(const ResourceLimits& l) {
  LimitPlan plan;
  auto add = [&](const std::optional<int64_t>& v, int resource, SetupStep step,
                 int64_t hard_extra) {
    if (!v) return;
    rlimit r;
    r.rlim_cur = static_cast<rlim_t>(*v);
    r.rlim_max = static_cast<rlim_t>(*v + hard_extra);
    plan.items[plan.count++] = {resource, r, step};
  };
  // The kernel sends SIGXCPU each second past the soft limit and SIGKILL
  // at the hard one: a task that ignores SIGXCPU still ends a second later.
  add(l.cpu, RLIMIT_CPU, SetupStep::kLimitCpu, 1);
  add(l.memory, RLIMIT_AS, SetupStep::kLimitMemory, 0);
  add(l.nofile, RLIMIT_NOFILE, SetupStep::kLimitNofile, 0);
  add(l.nproc, RLIMIT_NPROC, SetupStep::kLimitNproc, 0);
  add(l.fsize, RLIMIT_FSIZE, SetupStep::kLimitFsize, 0);
  add(l.core, RLIMIT_CORE, SetupStep::kLimitCore, 0);
  return plan;
}

SetupStep ApplyLimits(const LimitPlan& plan) {
  for (int i = 0; i < plan.count; i++) {
    const LimitPlan::Item& item = plan.items[i];
    if (setrlimit(static_cast<__rlimit_resource>(item.resource), &item.value) !=
        0)
      return item.step;
  }
  return SetupStep::kNone;
}

NamespacePlan PlanNamespaces(unsigned isolate) {
  NamespacePlan plan;
  plan.isolate = isolate;
  // Root may create namespaces itself; anyone else needs a user namespace
  // first, in which we are mapped to ourselves (a task sees its own uid).
  plan.user_ns = geteuid() != 0;
  snprintf(plan.uid_map, sizeof(plan.uid_map), "%u %u 1\n",
           static_cast<unsigned>(geteuid()), static_cast<unsigned>(geteuid()));
  snprintf(plan.gid_map, sizeof(plan.gid_map), "%u %u 1\n",
           static_cast<unsigned>(getegid()), static_cast<unsigned>(getegid()));
  return plan;
}

uint64_t CloneFlags(const NamespacePlan& plan) {
  uint64_t flags = 0;
  if (plan.user_ns) flags |= CLONE_NEWUSER;
  if (plan.isolate & kIsolateNet) flags |= CLONE_NEWNET;
  if (plan.isolate & kIsolateTmp) flags |= CLONE_NEWNS;
  if (plan.isolate & kIsolatePid) flags |= CLONE_NEWPID;
  return flags;
}

pid_t CloneProcess(uint64_t flags) {
  CloneArgs args;
  memset(&args, 0, sizeof(args));
  args.flags = flags;
  args.exit_signal = SIGCHLD;
  // No stack: like fork, the child goes on with a copy of ours.
  return static_cast<pid_t>(syscall(SYS_clone3, &args, sizeof(args)));
}

SetupStep EnterNamespaces(const NamespacePlan& plan) {
  if (plan.user_ns) {
    // A daemon that dropped root by setuid is not dumpable, and then its
    // /proc/self files belong to root: it could not write its own maps.
    // This child execs or exits soon; execve judges dumpability anew.
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    // Without CAP_SETGID outside, gid_map may only be written once
    // setgroups is denied (user_namespaces(7)).
    if (!WriteFile("/proc/self/setgroups", "deny"))
      return SetupStep::kSetgroups;
    if (!WriteFile("/proc/self/uid_map", plan.uid_map))
      return SetupStep::kUidMap;
    if (!WriteFile("/proc/self/gid_map", plan.gid_map))
      return SetupStep::kGidMap;
  }
  if (plan.isolate & kIsolateTmp) {
    // The new mount namespace starts as a copy whose mounts may still
    // propagate to the host's (systemd makes / shared): private first, or
    // the tmpfs would appear on the host's /tmp.
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      return SetupStep::kPrivateMounts;
    if (!MountTmp("/tmp")) return SetupStep::kTmpfsTmp;
    if (!MountTmp("/var/tmp")) return SetupStep::kTmpfsVarTmp;
  }
  if ((plan.isolate & kIsolateNet) && !LoopbackUp())
    return SetupStep::kLoopbackUp;
  return SetupStep::kNone;
}

SetupStep DiagnoseClone(const NamespacePlan& plan, int* err) {
  const uint64_t base = plan.user_ns ? CLONE_NEWUSER : 0;
  struct {
    uint64_t flag;
    SetupStep step;
  } const tries[] = {{CLONE_NEWUSER, SetupStep::kUserNs},
                     {CLONE_NEWNET, SetupStep::kNetNs},
                     {CLONE_NEWNS, SetupStep::kMountNs},
                     {CLONE_NEWPID, SetupStep::kPidNs}};
  const uint64_t wanted = CloneFlags(plan);
  for (const auto& t : tries) {
    if (!(wanted & t.flag)) continue;
    pid_t child = CloneProcess(base | t.flag);
    if (child == 0) _exit(0);
    if (child < 0) {
      *err = errno;
      return t.step;
    }
    while (waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  // Each alone works but not all together (a limit on namespaces, say):
  // name the set by its first.
  for (const auto& t : tries)
    if (wanted & t.flag) return t.step;
  return SetupStep::kUserNs;
}

void InstallInitHandlers() {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = Forward;
  sa.sa_flags = SA_RESTART;
  sigfillset(&sa.sa_mask);
  for (int sig : kForwarded) sigaction(sig, &sa, nullptr);
}

void RunPidInit(pid_t task, int report_fd) {
  g_task_group = task;
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // Orphans of the task come to us: reap them until the task itself ends.
  int status = 0;
  rusage ru;
  memset(&ru, 0, sizeof(ru));
  for (;;) {
    pid_t r = wait4(-1, &status, 0, &ru);
    if (r == task) break;
    if (r < 0 && errno != EINTR) {
      status = W_EXITCODE(127, 0);  // cannot happen: the task is ours
      break;
    }
  }
  ExitReport report;
  report.status = status;
  report.cpu_us =
      (static_cast<int64_t>(ru.ru_utime.tv_sec) + ru.ru_stime.tv_sec) *
          1000000 +
      ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
  ssize_t n = write(report_fd, &report, sizeof(report));
  (void)n;  // no report: the reader falls back to our own status
  // Our exit ends the namespace: the kernel kills what is left in it.
  _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

}  // namespace coyotes
