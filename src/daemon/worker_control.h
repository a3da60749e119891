// What a worker is asked to do while it runs, and by whom: its master over
// the control pipe (drain, fast stop, cancel a task), signals (drain,
// reopen the logs) and the Redis side (a task cancelled elsewhere).
//
// Invariant: a signal handler only sets a flag and writes one byte to the
// wake pipe; every decision is taken on the worker's own thread, here.
#ifndef COYOTES_DAEMON_WORKER_CONTROL_H_
#define COYOTES_DAEMON_WORKER_CONTROL_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "task/task_executor.h"

namespace coyotes {

// One message of the control pipe: "D" (drain), "F" (fast stop) or
// "C<task id>\n" (cancel that task if it is the one running).
struct ControlMessage {
  enum class Kind { kDrain, kFastStop, kCancel };
  Kind kind;
  std::string task_id;  // kCancel only

  bool operator==(const ControlMessage&) const = default;
};

// Takes the complete messages off the front of *buf, in order. A cancel
// whose newline has not come yet stays in *buf for the next read; any
// other byte is skipped.
std::vector<ControlMessage> TakeControlMessages(std::string* buf);

// Lifecycle: one per worker process, made by RunWorker before anything
// else and alive until it returns. Start() creates the wake pipe, installs
// the signal handlers and arms the parent-death signal; the destructor
// closes both pipes to the master and the wake pipe. It owns the control
// pipe's read end and the status pipe's write end (WorkerParams), and the
// requests read from them: whether to drain, and what should stop the
// task in hand (fast stop, or a cancel naming it). Everything that waits
// (the claim loop's pauses, back-off, RunTask's poll) watches fds() and
// hands what is readable to OnReadable(), so that a drain cuts a wait
// short.
class WorkerControl {
 public:
  WorkerControl(UniqueFd control_fd, UniqueFd status_fd);
  ~WorkerControl();
  WorkerControl(const WorkerControl&) = delete;
  WorkerControl& operator=(const WorkerControl&) = delete;

  // Once, before the first wait. A worker whose parent is no longer
  // master_pid (the master died during the fork) drains at once.
  void Start(pid_t master_pid);

  bool draining() const;
  // Drains without a log line: the caller has logged why.
  void Drain() { drain_ = true; }

  // The descriptors to wait on and the handler for each.
  std::vector<int> fds() const;
  void OnReadable(int fd);
  // Acts on signals noted since the last call (drain, reopen the logs).
  void NoteSignals();
  // Waits up to `seconds` for the control or wake pipe.
  void Sleep(double seconds);

  // The task in hand, from its decode to its record: a cancel must name
  // it. Begin keeps a fast stop (it still applies) and forgets the rest.
  void BeginTask(const std::string& task_id);
  void EndTask() { task_id_.reset(); }
  StopReason stop() const { return stop_; }
  // Stops the task in hand if it is task_id and nothing stops it yet.
  void RequestCancel(const std::string& task_id);
  // Stops the task in hand as cancelled, whatever was asked before (Redis
  // refused its start; the caller has logged that).
  void CancelTask() { stop_ = StopReason::kCancel; }

  // Writes one line to the master's status pipe ("due MS").
  void Report(const std::string& line);

 private:
  void Apply(const ControlMessage& m);

  UniqueFd control_fd_, status_fd_;
  UniqueFd wake_r_, wake_w_;
  std::string control_buf_;
  bool drain_ = false;
  StopReason stop_ = StopReason::kNone;
  std::optional<std::string> task_id_;
};

}  // namespace coyotes

#endif  // COYOTES_DAEMON_WORKER_CONTROL_H_
