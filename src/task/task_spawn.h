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
#ifndef COYOTES_TASK_TASK_SPAWN_H_
#define COYOTES_TASK_TASK_SPAWN_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace coyotes {

struct SpawnRequest {
  std::vector<std::string> candidates;  // files to exec, tried in order
  char* const* argv = nullptr;          // null-terminated
  char* const* envp = nullptr;          // null-terminated
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;
  const char* cwd = nullptr;
};

// Starts the process; 0 and its pid in `*pid`, or the errno that stopped
// it (of the last candidate tried; EACCES if one was not executable and
// none could be run, as execvp reports). A child that failed has been
// reaped.
int Spawn(const SpawnRequest& req, pid_t* pid);
}  // namespace coyotes

#endif  // COYOTES_TASK_TASK_SPAWN_H_
