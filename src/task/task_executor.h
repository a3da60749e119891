// Running one task: spawn, watch, stop, reap.
//
// A task runs in its own session (so its own process group: a signal to the
// daemon's group never reaches it, and the whole tree can be signalled at
// once), with stdin on /dev/null and stdout/stderr on non-blocking pipes.
// RunTask() owns the process from spawn to reap; whatever happens it
// returns only when the main process is reaped and its group has been sent
// SIGKILL, so a task never outlives its record. Grandchildren that keep the
// pipes open after the main process exits get --pipe-grace seconds.
#ifndef COYOTES_TASK_TASK_EXECUTOR_H_
#define COYOTES_TASK_TASK_EXECUTOR_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "task/isolation.h"
#include "task/task.h"

namespace coyotes {

struct ExecLimits {
  double timeout_s = 0;  // 0: none
  double kill_grace_s = 3;
  double pipe_grace_s = 2;
  size_t output_tail = 65536;
  // Limits and namespaces (isolation.h); empty: the plain, cheapest spawn.
  Isolation isolation;
  // The file to exec, as a channel's allow list resolved it (policy.h);
  // "": search PATH.
  std::string program;
};

// Which of a task's output pipes a read came from.
enum class OutputStream { kStdout, kStderr };

// Why RunTask should stop a task early.
enum class StopReason { kNone, kFastStop, kCancel };

// The worker's side of the loop: extra descriptors to watch (control pipe,
// signal pipe) and a tick for lease renewal. Called from RunTask's loop.
class ExecObserver {
 public:
  virtual ~ExecObserver() = default;
  virtual std::vector<int> WatchFds() = 0;
  virtual void OnReadable(int fd) = 0;
  // At least every tick_s() seconds while the task runs.
  virtual void OnTick() = 0;
  virtual double tick_s() const = 0;
  // Seconds from now until OnTick is due, `since_tick` seconds after the
  // last call (or the spawn); 0 or less: now. An observer whose ticks are
  // due at times of its own (not a fixed interval) says so here.
  virtual double TickIn(double since_tick) const {
    return tick_s() - since_tick;
  }
  virtual StopReason stop_requested() const = 0;
  // Once, right after the spawn succeeded; then once when that process
  // has been reaped (its pid may then name another process).
  virtual void OnSpawned(pid_t pid) = 0;
  virtual void OnReaped() {}
  // Each read from the task's stdout or stderr, as it comes (the worker's
  // live output); the outcome's tails keep their own copy.
  virtual void OnOutput(OutputStream, std::string_view) {}
};

struct TaskOutcome {
  enum class Kind {
    kExited,
    kSignaled,
    kTimeout,
    kSpawnFailed,
    kStopped,
    kCancelled,
    // Killed by SIGXCPU, or by SIGKILL once its CPU time reached the hard
    // limit (cpu + 1 s); `signal` says which.
    kCpuLimit,
    // Killed by SIGXFSZ: it wrote past its fsize limit.
    kFileSizeLimit,
    // Not run: the host cannot isolate it as asked; `detail` names what
    // ("net namespace: Operation not permitted").
    kIsolationUnavailable,
    // Not run: its channel's command policy refuses it; `detail` is the
    // reason ("program not allowed in channel c: /usr/bin/x").
    kRefused
  };
  Kind kind = Kind::kExited;
  int exit_code = -1;  // when the main process exited
  int signal = 0;      // when it was killed by a signal
  std::string detail;  // for the record's reason
  std::string stdout_tail, stderr_tail;
  int64_t duration_ms = 0;

  bool succeeded() const { return kind == Kind::kExited && exit_code == 0; }
};

// Runs `spec` with `extra_env` (NAME=value) added to the daemon's
// environment. Never throws; spawn failures are an outcome.
TaskOutcome RunTask(const TaskSpec& spec,
                    const std::vector<std::string>& extra_env,
                    const ExecLimits& limits, ExecObserver* observer);

// The start time of `pid` in clock ticks since boot (/proc/PID/stat field
// 22), or 0. With the pid it names a process unambiguously: used to check
// that a process group found in Redis after a crash is still the task's.
uint64_t ProcessStartTime(pid_t pid);

}  // namespace coyotes

#endif  // COYOTES_TASK_TASK_EXECUTOR_H_
