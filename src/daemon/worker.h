// A worker: one long-lived process that takes tasks of one channel from
// Redis and runs them one at a time. This is its claim loop; the pipes and
// signals are in worker_control.h, the Redis connection and lease in
// worker_session.h, one task's life in task_run.h. Invariant: no claim
// blocks longer than min(1 s, lease TTL / 3), which bounds how long a drain
// waits while the worker is idle.
#ifndef COYOTES_DAEMON_WORKER_H_
#define COYOTES_DAEMON_WORKER_H_

#include <sys/types.h>

#include <string>

#include "base/unique_fd.h"
#include "daemon/flags.h"
#include "daemon/worker_board.h"
#include "task/channel_settings.h"

namespace coyotes {

struct WorkerParams {
  std::string channel;
  int index = 0;
  std::string owner;  // unique per incarnation: "worker/HOST/PID/RANDOM"
  pid_t master_pid = 0;
  ChannelSettings settings;  // the channel's, as the master read them
  // Why this worker may not run its channel's tasks as asked (its user is
  // unknown here, or not one the daemon may become); every task it takes
  // then fails with "isolation unavailable: " and this. "": none.
  std::string unavailable;
  UniqueFd control_fd;           // read end
  UniqueFd status_fd;            // write end
  WorkerBoard* board = nullptr;  // the master's mapping, inherited
};

// Runs the worker loop; returns the process's exit status.
//
// Lifecycle: forked by the master (process.h) with a control pipe (reads D
// = drain, F = fast stop, C<id> = cancel; EOF = the master died: drain), a
// status pipe (writes "due MS" after scheduling a retry, so that the master
// promotes it in time) and a board (worker_board.h: the task it runs and
// its process group, for the master's slot table). It owns its Redis
// connection and its lease. A drain lets the running task finish and
// records it; a fast stop ends the task's group and puts the task back at
// the head of its queue. Exit 0 after a drain, kExitConfig when Redis
// refuses our credentials (the master does not respawn that).
int RunWorker(const Config& config, WorkerParams params);

}  // namespace coyotes

#endif  // COYOTES_DAEMON_WORKER_H_
