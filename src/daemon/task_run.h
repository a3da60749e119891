// One task in a worker: from the queue item to the record of its end
// (start record, spawn, wait, then finish, retry or requeue).
//
// Invariant: the end reaches Redis before the worker takes another item,
// unless a fast stop or refused credentials say to leave; the item then
// stays in our in-progress list and is recovered (at least once).
#ifndef COYOTES_DAEMON_TASK_RUN_H_
#define COYOTES_DAEMON_TASK_RUN_H_

#include <random>
#include <string>

#include "base/config.h"
#include "daemon/worker_board.h"
#include "daemon/worker_control.h"
#include "daemon/worker_session.h"
#include "task/channel_settings.h"

namespace coyotes {

// What every task of one worker uses; RunWorker owns each part, and each
// outlives every task.
struct TaskRunContext {
  const Config& config;
  const ChannelSettings& channel;
  const ResourceLimits& daemon_limits;  // --task-limits, core 0 by default
  const std::string& unavailable;       // WorkerParams::unavailable
  WorkerBoard* board;                   // the master's mapping; may be null
  WorkerControl& control;
  WorkerSession& session;
  std::mt19937_64& rng;  // retry jitter
};

// Runs the task of `item`, a queue item our in-progress list holds, and
// records its end; an item that cannot be decoded is dropped. Call only
// while ctx.session is connected.
void RunQueueItem(const TaskRunContext& ctx, const std::string& item);

}  // namespace coyotes

#endif  // COYOTES_DAEMON_TASK_RUN_H_
