#include "task/task_executor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>

#include "base/exit_status.h"
#include "base/log.h"
#include "base/unique_fd.h"
#include "base/wall_clock.h"
#include "task/command_path.h"
#include "task/output_tail.h"
#include "task/shell_words.h"
#include "task/task_spawn.h"

extern char** environ;

namespace coyotes {

namespace {

using Clock = std::chrono::steady_clock;

// stdin of every task: /dev/null, opened once per process.
int DevNull() {
  static UniqueFd fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
  return fd.get();
}

std::string_view EnvName(std::string_view entry) {
  return entry.substr(0, entry.find('='));
}

// /bin/sh exports PWD: the inherited one when it names the working
// directory, else the physical path. The fast path does the same.
bool PwdNamesCwd(const char* pwd) {
  struct stat dot, p;
  return stat(pwd, &p) == 0 && stat(".", &dot) == 0 && dot.st_ino == p.st_ino &&
         dot.st_dev == p.st_dev;
}
std::string PhysicalPwd() {
  char buf[4096];
  if (getcwd(buf, sizeof(buf)) == nullptr) return "";
  return std::string("PWD=") + buf;
}

// The daemon's own environment as tasks inherit it (without COYOTES_*,
// which are set per task), and the PWD sh would export. A worker's
// environment does not change, so this is built once and then only
// compared, pointer by pointer, with environ; setenv() and unsetenv() (the
// tests) replace or move the pointers, so they rebuild it.
struct Inherited {
  std::vector<const char*> seen;
  std::vector<std::string> env;
  std::string shell_pwd;
};
const Inherited& InheritedEnv() {
  static Inherited cache;
  size_t n = 0;
  while (environ != nullptr && environ[n] != nullptr) n++;
  if (n == cache.seen.size() &&
      std::equal(cache.seen.begin(), cache.seen.end(), environ))
    return cache;
  cache.seen.assign(environ, environ + n);
  cache.env.clear();
  for (size_t i = 0; i < n; i++)
    if (std::strncmp(environ[i], "COYOTES_", 8) != 0)
      cache.env.emplace_back(environ[i]);
  const char* pwd = getenv("PWD");
  cache.shell_pwd = pwd != nullptr && PwdNamesCwd(pwd)
                        ? std::string("PWD=") + pwd
                        : PhysicalPwd();
  return cache;
}

// The task's environment: the inherited one, the task's own variables over
// it, then `extra`; with `shell_pwd`, PWD as sh would export it. The
// pointers refer to InheritedEnv(), `extra` and `*owned`.
std::vector<char*> BuildEnv(const TaskSpec& spec,
                            const std::vector<std::string>& extra,
                            bool shell_pwd, std::vector<std::string>* owned) {
  auto overridden = [&](std::string_view name) {
    for (const auto& [k, v] : spec.env)
      if (k == name) return true;
    return false;
  };
  owned->reserve(spec.env.size() + 1);  // no reallocation: pointers stay
  const Inherited& inherited = InheritedEnv();
  std::vector<char*> env;
  env.reserve(inherited.env.size() + spec.env.size() + extra.size() + 2);
  for (const auto& e : inherited.env) {
    std::string_view name = EnvName(e);
    if (overridden(name) || (shell_pwd && name == "PWD")) continue;
    env.push_back(const_cast<char*>(e.c_str()));
  }
  const std::string* task_pwd = nullptr;
  for (const auto& [k, v] : spec.env) {
    if (shell_pwd && k == "PWD") {
      task_pwd = &v;
      continue;
    }
    env.push_back(owned->emplace_back(k + "=" + v).data());
  }
  for (const auto& x : extra) env.push_back(const_cast<char*>(x.c_str()));
  if (shell_pwd) {
    const std::string* pwd = &inherited.shell_pwd;
    if (task_pwd != nullptr)
      pwd = &owned->emplace_back(
          PwdNamesCwd(task_pwd->c_str()) ? "PWD=" + *task_pwd : PhysicalPwd());
    if (!pwd->empty()) env.push_back(const_cast<char*>(pwd->c_str()));
  }
  env.push_back(nullptr);
  return env;
}

std::string FormatSeconds(double s) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%gs", s);
  return buf;
}

// Whether signal `sig` was a resource limit's: SIGXCPU (the soft CPU limit)
// and SIGXFSZ (fsize) only come from the kernel's limits, or from someone
// who means the same. SIGKILL is the CPU limit's when the task ran past its
// soft limit: the kernel kills a task that ignores SIGXCPU at the hard
// limit, a second later (spawn_setup.h). The threshold is the soft limit
// because rusage and the limit's clock differ by milliseconds, and the
// task's rusage can come out a little short of the hard limit.
bool HitLimit(int sig, int64_t cpu_us, const ResourceLimits& l) {
  if (sig == SIGXCPU || sig == SIGXFSZ) return true;
  return sig == SIGKILL && l.cpu && cpu_us >= *l.cpu * 1000000;
}

// Reads what is there now into `tail` and, as `stream`, the observer;
// returns false at EOF or on a hard error.
bool Drain(int fd, OutputTail* tail, ExecObserver* observer,
           OutputStream stream) {
  char buf[65536];
  // Bounded per call so that a task that writes without pause cannot keep
  // the loop from its timers.
  for (int i = 0; i < 16; i++) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n > 0) {
      tail->Append(std::string_view(buf, n));
      observer->OnOutput(stream, std::string_view(buf, n));
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN;
  }
  return true;
}

}  // namespace

uint64_t ProcessStartTime(pid_t pid) {
  // Read with plain syscalls: a worker runs this for each task that runs
  // long enough to have its start recorded.
  char path[32];
  snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(pid));
  UniqueFd fd(open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return 0;
  char buf[1024];
  ssize_t n = read(fd.get(), buf, sizeof(buf) - 1);
  if (n <= 0) return 0;
  std::string_view stat(buf, static_cast<size_t>(n));
  // The command name (field 2) may hold spaces and parentheses: count
  // fields from the last ')'.
  size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return 0;
  size_t pos = close + 2;  // field 3
  for (int field = 3; field < 22; field++) {
    pos = stat.find(' ', pos);
    if (pos == std::string_view::npos) return 0;
    pos++;
  }
  buf[n] = '\0';
  return std::strtoull(buf + pos, nullptr, 10);
}

namespace {

TaskOutcome Run(const TaskSpec& spec, const std::vector<std::string>& extra_env,
                const ExecLimits& limits, ExecObserver* observer,
                bool allow_direct) {
  TaskOutcome out;
  auto started = Clock::now();

  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    out.kind = TaskOutcome::Kind::kSpawnFailed;
    out.detail = std::string("pipe: ") + std::strerror(errno);
    return out;
  }
  UniqueFd out_r(out_pipe[0]), out_w(out_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    out.kind = TaskOutcome::Kind::kSpawnFailed;
    out.detail = std::string("pipe: ") + std::strerror(errno);
    return out;
  }
  UniqueFd err_r(err_pipe[0]), err_w(err_pipe[1]);
  fcntl(out_r.get(), F_SETFL, O_NONBLOCK);
  fcntl(err_r.get(), F_SETFL, O_NONBLOCK);

  // Everything the child needs is prepared here (task_spawn.h).
  // Simple command lines skip the shell (shell_words.h says which).
  std::optional<std::vector<std::string>> direct;
  if (allow_direct && spec.uses_shell() && spec.cwd.empty() &&
      std::none_of(spec.env.begin(), spec.env.end(),
                   [](const auto& kv) { return kv.first == "PATH"; }))
    direct = SimpleCommandWords(spec.command);
  std::vector<std::string> argv_s;
  if (direct) {
    argv_s = *direct;
  } else if (spec.uses_shell()) {
    argv_s = {"/bin/sh", "-c", spec.command};
  } else {
    argv_s.push_back(spec.command);
    argv_s.insert(argv_s.end(), spec.args->begin(), spec.args->end());
  }
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_owned;
  std::vector<char*> envp =
      BuildEnv(spec, extra_env, direct.has_value(), &env_owned);

  SpawnRequest req;
  req.argv = argv.data();
  req.envp = envp.data();
  req.stdin_fd = DevNull();
  req.stdout_fd = out_w.get();
  req.stderr_fd = err_w.get();
  if (!spec.cwd.empty()) req.cwd = spec.cwd.c_str();
  if (!limits.isolation.empty()) req.isolation = &limits.isolation;
  SpawnResult spawned;
  // A command name is searched in the daemon's PATH, as execvp would
  // search it; where it was found is remembered between tasks
  // (command_path.h).
  static CommandPaths paths;
  const char* path = getenv("PATH");
  std::optional<std::string> file;
  if (!limits.program.empty()) {
    req.candidates = {limits.program};
  } else if (spec.uses_shell() && !direct) {
    req.candidates = {"/bin/sh"};
  } else if (path != nullptr && (file = paths.Find(path, argv_s[0]))) {
    req.candidates = {*file};
  } else {
    req.candidates = PathCandidates(path, argv_s[0]);
  }
  int rc = Spawn(req, &spawned);
  // Past a failed setup step (spawned.step) the command was never tried.
  const bool exec_failed = rc != 0 && spawned.step == nullptr;
  if (file && exec_failed && (rc == ENOENT || rc == ENOTDIR || rc == EACCES)) {
    paths.Forget(argv_s[0]);  // gone or changed since: search again
    req.candidates = PathCandidates(path, argv_s[0]);
    spawned = SpawnResult();
    rc = Spawn(req, &spawned);
  }
  if (rc == ENOEXEC && direct && spawned.step == nullptr) {
    // An executable without a #! line: sh runs it as a script. So do we,
    // by handing the whole line to sh.
    return Run(spec, extra_env, limits, observer, /*allow_direct=*/false);
  }
  // We keep our copies of the write ends until the main process is
  // reaped: the pipes then cannot hang up before it has exited, and a task
  // that ends wakes us once (its pidfd) rather than two or three times
  // (each pipe's hang-up, then the pidfd).
  if (rc != 0) {
    out_w.reset();
    err_w.reset();
  }
  if (rc != 0 && spawned.step != nullptr) {
    out.kind = spawned.isolation_unavailable
                   ? TaskOutcome::Kind::kIsolationUnavailable
                   : TaskOutcome::Kind::kSpawnFailed;
    out.detail = std::string(spawned.step) + ": " + std::strerror(rc);
    out.duration_ms = static_cast<int64_t>(SecondsSince(started) * 1000);
    return out;
  }
  if (rc != 0 && direct) {
    // What sh answers for a command it cannot run.
    bool not_found = rc == ENOENT || rc == ENOTDIR;
    out.kind = TaskOutcome::Kind::kExited;
    out.exit_code = not_found ? 127 : 126;
    out.detail = "exited " + std::to_string(out.exit_code);
    out.stderr_tail = "/bin/sh: 1: " + argv_s[0] + ": " +
                      (not_found ? "not found" : "Permission denied") + "\n";
    if (out.stderr_tail.size() > limits.output_tail)
      out.stderr_tail.erase(0, out.stderr_tail.size() - limits.output_tail);
    out.duration_ms = static_cast<int64_t>(SecondsSince(started) * 1000);
    return out;
  }
  if (rc != 0) {
    out.kind = TaskOutcome::Kind::kSpawnFailed;
    out.detail = argv_s[0] + ": " + std::strerror(rc);
    if (!spec.cwd.empty()) out.detail += " (cwd " + spec.cwd + ")";
    return out;
  }
  const pid_t pid = spawned.pid;
  // pid is the leader of its own session and process group from here on
  // (in a PID namespace: our init, which forwards signals to the task).
  // A pidfd turns "the task exited" into a readable descriptor in our poll.
  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  PCHECK(pidfd.valid()) << "pidfd_open";
  observer->OnSpawned(pid);

  OutputTail out_tail(limits.output_tail), err_tail(limits.output_tail);
  bool reaped = false, out_open = true, err_open = true;
  int status = 0;
  rusage usage = {};
  // Deadlines, as seconds since `started`; negative: not armed.
  double timeout_at = limits.timeout_s > 0 ? limits.timeout_s : -1;
  double kill_at = -1, pipes_close_at = -1;
  auto last_tick = Clock::now();
  TaskOutcome::Kind stop_kind = TaskOutcome::Kind::kExited;

  auto stop = [&](TaskOutcome::Kind why) {
    if (stop_kind != TaskOutcome::Kind::kExited) return;
    stop_kind = why;
    killpg(pid, SIGTERM);
    kill_at = SecondsSince(started) + limits.kill_grace_s;
  };

  while (!reaped || out_open || err_open) {
    double now = SecondsSince(started);
    if (!reaped && timeout_at >= 0 && now >= timeout_at) {
      stop(TaskOutcome::Kind::kTimeout);
      timeout_at = -1;
    }
    StopReason req = observer->stop_requested();
    if (!reaped && req != StopReason::kNone)
      stop(req == StopReason::kCancel ? TaskOutcome::Kind::kCancelled
                                      : TaskOutcome::Kind::kStopped);
    if (kill_at >= 0 && now >= kill_at) {
      killpg(pid, SIGKILL);
      kill_at = -1;
    }
    if (reaped && pipes_close_at >= 0 && now >= pipes_close_at) {
      // Grandchildren still hold the pipes: end them and stop reading.
      killpg(pid, SIGKILL);
      out_open = err_open = false;
      break;
    }
    if (observer->TickIn(SecondsSince(last_tick)) <= 0) {
      observer->OnTick();
      last_tick = Clock::now();
    }

    double wait_s = observer->TickIn(SecondsSince(last_tick));
    for (double d : {timeout_at, kill_at, pipes_close_at})
      if (d >= 0) wait_s = std::min(wait_s, d - now);
    int wait_ms = std::max(0, static_cast<int>(std::ceil(wait_s * 1000)));

    std::vector<pollfd> fds;
    if (!reaped) fds.push_back({pidfd.get(), POLLIN, 0});
    if (out_open) fds.push_back({out_r.get(), POLLIN, 0});
    if (err_open) fds.push_back({err_r.get(), POLLIN, 0});
    size_t extra_from = fds.size();
    for (int fd : observer->WatchFds()) fds.push_back({fd, POLLIN, 0});
    int n = poll(fds.data(), fds.size(), wait_ms);
    if (n < 0 && errno != EINTR) PLOG(FATAL) << "poll";
    if (n <= 0) continue;
    for (size_t i = 0; i < fds.size(); i++) {
      if (fds[i].revents == 0) continue;
      int fd = fds[i].fd;
      if (i >= extra_from) {
        observer->OnReadable(fd);
      } else if (fd == out_r.get()) {
        out_open = Drain(fd, &out_tail, observer, OutputStream::kStdout);
      } else if (fd == err_r.get()) {
        err_open = Drain(fd, &err_tail, observer, OutputStream::kStderr);
      } else if (fd == pidfd.get()) {
        pid_t r = wait4(pid, &status, WNOHANG, &usage);
        if (r == pid) {
          reaped = true;
          observer->OnReaped();
          // Now only its descendants can hold the pipes open; usually
          // nothing does, and both read EOF at once.
          out_w.reset();
          err_w.reset();
          if (out_open)
            out_open =
                Drain(out_r.get(), &out_tail, observer, OutputStream::kStdout);
          if (err_open)
            err_open =
                Drain(err_r.get(), &err_tail, observer, OutputStream::kStderr);
          kill_at = -1;
          pipes_close_at = SecondsSince(started) + limits.pipe_grace_s;
        }
      }
    }
  }
  // Whatever is left of the group (background jobs that closed their
  // output, or ignored SIGTERM) does not outlive the task.
  killpg(pid, SIGKILL);

  out.duration_ms = static_cast<int64_t>(SecondsSince(started) * 1000);
  out.stdout_tail = out_tail.Take();
  out.stderr_tail = err_tail.Take();
  // How the task itself ended: with a PID namespace, as our init reports
  // it (spawn_setup.h); without a report init itself was killed, and its
  // own status is the task's.
  int64_t cpu_us =
      (static_cast<int64_t>(usage.ru_utime.tv_sec) + usage.ru_stime.tv_sec) *
          1000000 +
      usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
  ExitReport report;
  if (spawned.exit_report.valid() &&
      ReadExitReport(spawned.exit_report.get(), &report)) {
    status = report.status;
    cpu_us = report.cpu_us;
  }
  if (WIFEXITED(status)) {
    out.kind = TaskOutcome::Kind::kExited;
    out.exit_code = WEXITSTATUS(status);
    out.detail = "exited " + std::to_string(out.exit_code);
  } else if (WIFSIGNALED(status)) {
    out.kind = TaskOutcome::Kind::kSignaled;
    out.signal = WTERMSIG(status);
    out.detail = DescribeWaitStatus(status);
    if (HitLimit(out.signal, cpu_us, limits.isolation.limits))
      out.kind = out.signal == SIGXFSZ ? TaskOutcome::Kind::kFileSizeLimit
                                       : TaskOutcome::Kind::kCpuLimit;
  }
  if (stop_kind != TaskOutcome::Kind::kExited) {
    out.kind = stop_kind;
    if (stop_kind == TaskOutcome::Kind::kTimeout)
      out.detail = "timed out after " + FormatSeconds(limits.timeout_s) + "; " +
                   out.detail;
  }
  return out;
}

}  // namespace

TaskOutcome RunTask(const TaskSpec& spec,
                    const std::vector<std::string>& extra_env,
                    const ExecLimits& limits, ExecObserver* observer) {
  return Run(spec, extra_env, limits, observer, /*allow_direct=*/true);
}

}  // namespace coyotes
