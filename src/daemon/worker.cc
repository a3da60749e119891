#include "daemon/worker.h"

#include <sys/prctl.h>

#include <algorithm>
#include <random>
#include <utility>

#include "base/exit_status.h"
#include "base/log.h"
#include "daemon/task_run.h"
#include "daemon/worker_control.h"
#include "daemon/worker_session.h"
#include "task/isolation.h"
#include "task/limits.h"
#include "task/script_dir.h"

namespace coyotes {

int RunWorker(const Config& config, WorkerParams p) {
  SetLogRole("worker " + p.channel + "/" + std::to_string(p.index));
  WorkerControl control(std::move(p.control_fd), std::move(p.status_fd));
  control.Start(p.master_pid);
  // The task's orphaned descendants become ours, so that the task's run
  // can reap them.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  WorkerSession session(config, p.channel, p.owner, control);
  std::mt19937_64 rng{std::random_device{}()};
  // Without --task-limits' core, no task dumps core (coyotes(8)).
  ResourceLimits daemon_limits = LimitsFromFlag(config.task_limits).value();
  if (!daemon_limits.core) daemon_limits.core = 0;
  // The namespaces are tried once, as this worker's user: what the host
  // cannot give fails every task of the channel, with the reason.
  std::string unavailable = p.unavailable;
  if (unavailable.empty() && !p.settings.unreadable.empty())
    unavailable = p.settings.unreadable;
  if (unavailable.empty() && p.settings.isolate != 0) {
    Status probe = IsolationAvailable(p.settings.isolate);
    if (!probe.ok()) unavailable = probe.message();
  }
  if (!unavailable.empty())
    LOGR(ERROR) << "tasks of channel " << p.channel
                << " will fail: isolation unavailable: " << unavailable;
  const TaskRunContext ctx{config,  p.settings, daemon_limits, unavailable,
                           p.board, control,    session,       rng};

  LOGR(INFO) << "started owner=" << p.owner;
  // Script directories of workers killed with a task running (as this
  // user: the ones we may remove).
  if (int n = RemoveStaleScriptDirs())
    LOGR(INFO) << "removed " << n << " script folder(s) of workers that died";
  double claim_s = std::min(1.0, config.lease_ttl_s / 3);
  // The channel was paused when we last looked: we take nothing, and look
  // again every second.
  bool paused = false;
  // Runs a claimed item unless the channel is paused (then it is back in
  // the queue). A failed check leaves the item in our in-progress list,
  // where the next round finds it as held.
  auto run_unless_paused = [&](const std::string& item) {
    auto may = session.store()->MayRun(item);
    if (!may.ok()) {
      LOGR(WARNING) << "checking the pause: " << may.status().message();
      session.CheckHeldAgain();
      if (!session.store()->broken()) control.Sleep(0.5);
      return;
    }
    if (!may.value()) {
      LOGR(INFO) << "channel paused: the task went back to its queue";
      paused = true;
      return;
    }
    RunQueueItem(ctx, item);
  };
  while (!control.draining()) {
    // The control pipe is only read here and while a task runs: the claim
    // below blocks for at most claim_s, which bounds how long a drain
    // request waits.
    control.Sleep(0);
    control.NoteSignals();
    if (control.draining()) break;
    if (!session.EnsureConnected()) continue;
    if (session.lease_due()) {
      control.NoteSignals();
      session.RenewLease();
    }
    auto held = session.TakeHeld();
    if (!held.ok()) continue;
    if (held.value()) {
      LOGR(WARNING) << "running a task already in our in-progress list "
                       "(its claim's reply was lost)";
      run_unless_paused(*held.value());
      continue;
    }
    // Claimed by our last finish, which checked the pause in the same step.
    if (auto next = session.TakeNext()) {
      RunQueueItem(ctx, *next);
      continue;
    }
    if (paused) {
      control.Sleep(1.0);
      auto still = session.store()->Paused();
      if (still.ok() && !still.value()) {
        paused = false;
        LOGR(INFO) << "channel resumed";
      }
      continue;
    }
    // The read timeout must outlast the blocking wait.
    auto item = session.store()->Claim(claim_s);
    if (!item.ok()) {
      LOGR(WARNING) << "claiming a task: " << item.status().message();
      if (!session.store()->broken()) control.Sleep(0.5);
      continue;
    }
    if (!item.value()) continue;
    run_unless_paused(*item.value());
  }
  control.NoteSignals();
  session.Leave();
  LOGR(INFO) << "exiting";
  google::FlushLogFiles(google::GLOG_INFO);
  return session.credentials_refused() ? kExitConfig : 0;
}

}  // namespace coyotes
