// Starting a task's process: vfork, set up, execve.
//
// posix_spawn would do the same, but glibc's maps and unmaps a stack for
// every child and makes about 64 sigaction calls in it, one per signal;
// together that was a tenth of a worker's CPU time per short task. Here
// the child runs on the caller's stack, which vfork keeps suspended until
// the child has called execve or _exit, and resets only the standard
// signals. Everything the child touches is prepared by the caller; in
// between the child makes system calls only.
//
// The child: leads a new session; signals 1-31 back to their default
// action (the daemon's handlers and ignored signals must not reach the
// task), none blocked; stdin, stdout and stderr from `stdin_fd`, `stdout_fd`
// and `stderr_fd`; every other descriptor closed; `cwd` when not null. It
// then tries the `candidates` in order as execvp tries PATH: past a file
// that is missing or may not be executed (ENOENT, ENOTDIR, EACCES, ...) to
// the next; any other error ends the search (PathCandidates in
// command_path.h lists a PATH search's files).
//
// With an Isolation (isolation.h), the child also sets the resource limits
// and no_new_privs just before execve. Limits alone keep the vfork path (a
// few setrlimit calls more); namespaces need a real copy of the process,
// made with clone3 in those namespaces (spawn_setup.h), with a PID 1 of
// ours in between when a PID namespace is asked for. A setup step that
// fails stops the spawn and is named in the SpawnResult.
#ifndef COYOTES_TASK_TASK_SPAWN_H_
#define COYOTES_TASK_TASK_SPAWN_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace coyotes {

struct Isolation;

struct SpawnRequest {
  std::vector<std::string> candidates;  // files to exec, tried in order
  char* const* argv = nullptr;          // null-terminated
  char* const* envp = nullptr;          // null-terminated
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;
  const char* cwd = nullptr;
  // Null: no limits, no namespaces: exactly the plain vfork path.
  const Isolation* isolation = nullptr;
  // The isolation probe (IsolationAvailable): every setup step, then
  // _exit(0) in place of the execve.
  bool probe_only = false;
};

// What our PID 1 writes before it exits (spawn_setup.h says why).
struct ExitReport {
  int status = 0;      // the task's wait status
  int64_t cpu_us = 0;  // its CPU time, user and system, and its children's
};

struct SpawnResult {
  pid_t pid = -1;
  // When the spawn failed in a setup step: the step's name ("net
  // namespace", "setrlimit(nofile)"); null when the execve failed.
  const char* step = nullptr;
  // The step was the host refusing isolation (a namespace or its setup,
  // no_new_privs), not a problem of the task's.
  bool isolation_unavailable = false;
  // With a PID namespace: where our init reports how the task ended, to be
  // read once `pid` has been reaped (ReadExitReport).
  UniqueFd exit_report;
};

// Starts the process; 0 and its pid in `*pid`, or the errno that stopped
// it (of the last candidate tried; EACCES if one was not executable and
// none could be run, as execvp reports). A child that failed has been
// reaped.
int Spawn(const SpawnRequest& req, pid_t* pid);
// The same, with the failed step and the exit report.
int Spawn(const SpawnRequest& req, SpawnResult* result);

// The report of our init on `fd`, read after the process was reaped; false
// when there is none (init was killed before it could write one).
bool ReadExitReport(int fd, ExitReport* report);
}  // namespace coyotes

#endif  // COYOTES_TASK_TASK_SPAWN_H_
