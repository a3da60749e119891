#include "daemon/task_run.h"

#include <sys/wait.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/log.h"
#include "base/wall_clock.h"
#include "daemon/live_output.h"
#include "store/redis_store.h"
#include "task/policy.h"
#include "task/retry_policy.h"
#include "task/script_dir.h"
#include "task/shell_words.h"
#include "task/task_codec.h"
#include "task/task_executor.h"

namespace coyotes {

namespace {

// A task's start is recorded once it has run this long: most tasks are
// shorter, and their finish then records start and end in one step (one
// Redis round trip per task instead of two). Until then the record says
// queued, and a cancel that came between the claim and the start takes
// effect here (the task may have run this long).
constexpr double kRecordStartAfter_s = 0.02;

void ReapStrays() {
  // As a child subreaper we inherit the task's orphaned descendants.
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

// Lifecycle: one per decoded queue item, on RunQueueItem's stack; it
// borrows the spec and the item from there and everything else from the
// worker (TaskRunContext). From construction to destruction it is the
// task in hand, the one a cancel must name (WorkerControl::BeginTask).
// RunTask owns the task's process; this object watches it as the
// ExecObserver (renews the lease, records the start after
// kRecordStartAfter_s, passes the control pipe's requests on) and, once
// RunTask has returned, records the end.
class TaskRun : public ExecObserver {
 public:
  TaskRun(const TaskRunContext& ctx, const TaskSpec& spec,
          const std::string& item)
      : ctx_(ctx),
        spec_(spec),
        item_(item),
        live_(&ctx.session, spec.id, ctx.config.output_tail) {
    ctx_.control.BeginTask(spec_.id);
  }
  ~TaskRun() override { ctx_.control.EndTask(); }
  TaskRun(const TaskRun&) = delete;
  TaskRun& operator=(const TaskRun&) = delete;

  void Run();

  // ExecObserver: while the task runs.
  std::vector<int> WatchFds() override { return ctx_.control.fds(); }
  void OnReadable(int fd) override { ctx_.control.OnReadable(fd); }
  void OnTick() override;
  double tick_s() const override {
    return start_due() ? kRecordStartAfter_s : ctx_.config.lease_ttl_s / 3;
  }
  double TickIn(double since_tick) const override;
  StopReason stop_requested() const override { return ctx_.control.stop(); }
  void OnSpawned(pid_t pid) override;
  void OnReaped() override { reaped_ = true; }
  void OnOutput(OutputStream stream, std::string_view data) override {
    live_.Add(stream, data);
  }

 private:
  // Spawns the task and waits for it and its group to end.
  TaskOutcome Execute();
  // The task's start is not recorded yet (see kRecordStartAfter_s).
  bool start_due() const { return pid_ > 0 && !reaped_ && !start_tried_; }
  // Sends the start of a task that has run ran_ms; pstart is its process
  // start time while it runs (0 once reaped: the pid may be reused).
  void RecordStart(int64_t ran_ms, uint64_t pstart);

  const TaskRunContext& ctx_;
  const TaskSpec& spec_;
  const std::string& item_;
  // The task's process once spawned, and whether its start was sent to
  // Redis (start_tried_) and recorded (start_recorded_), or refused there
  // (start_refused_).
  pid_t pid_ = 0;
  bool reaped_ = false;
  std::chrono::steady_clock::time_point spawned_at_;
  int64_t spawned_wall_ms_ = 0;  // for the wait: the due time is wall clock
  bool start_tried_ = false;
  bool start_recorded_ = false;
  bool start_refused_ = false;
  // When the lease was last renewed: a tick may also be for a batch of
  // live output only.
  std::chrono::steady_clock::time_point last_renew_;
  LiveOutput live_;
};

// The start-record time; then the next lease renewal or live output
// batch, whichever comes first.
double TaskRun::TickIn(double since_tick) const {
  if (start_due()) return kRecordStartAfter_s - since_tick;
  double next = ctx_.config.lease_ttl_s / 3 - SecondsSince(last_renew_);
  if (auto batch = live_.DueIn()) next = std::min(next, *batch);
  return next;
}

void TaskRun::OnTick() {
  ctx_.control.NoteSignals();
  if (start_due()) {
    auto ran = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - spawned_at_);
    // Logged with the recorded start, not at the spawn: most tasks end
    // sooner, and their end line says it all.
    LOGR(INFO) << "task start id=" << spec_.id << " pid=" << pid_
               << " attempt=" << spec_.attempt;
    RecordStart(ran.count(), ProcessStartTime(pid_));
    // Its output is worth sending now that it runs this long.
    if (start_recorded_) live_.Begin();
    last_renew_ = std::chrono::steady_clock::now();
    return;
  }
  if (auto batch = live_.DueIn(); batch && *batch <= 0) live_.Send(false);
  // While a task runs the renewal also says whether it was cancelled
  // through another daemon's API.
  if (SecondsSince(last_renew_) >= ctx_.config.lease_ttl_s / 3) {
    if (ctx_.session.RenewLeaseRunning(spec_.id))
      ctx_.control.RequestCancel(spec_.id);
    last_renew_ = std::chrono::steady_clock::now();
  }
}

void TaskRun::OnSpawned(pid_t pid) {
  if (ctx_.board) ctx_.board->Publish(spec_.id, pid);
  pid_ = pid;
  spawned_at_ = std::chrono::steady_clock::now();
  spawned_wall_ms_ = WallMs();
}

void TaskRun::RecordStart(int64_t ran_ms, uint64_t pstart) {
  start_tried_ = true;
  // A failed Start (Redis gone) is not fatal: the task runs, and the
  // finish step records it once Redis is back.
  for (int i = 0; i < 3; i++) {
    if (!ctx_.session.EnsureConnected()) continue;
    auto ok = ctx_.session.store()->Start(item_, spec_.id, spec_.attempt, pid_,
                                          pstart, ran_ms);
    if (ok.ok()) {
      switch (ok.value()) {
        case WorkerStore::StartAnswer::kRun:
          start_recorded_ = true;
          break;
        case WorkerStore::StartAnswer::kCancel:
          ctx_.control.RequestCancel(spec_.id);
          break;
        case WorkerStore::StartAnswer::kDrop:
          LOGR(INFO) << "task " << spec_.id
                     << " must not run (its record is gone, or it runs "
                        "elsewhere); stopping it";
          start_refused_ = true;
          ctx_.control.CancelTask();
          break;
      }
      return;
    }
    LOGR(WARNING) << "recording the start of " << spec_.id << ": "
                  << ok.status().message();
  }
}

TaskOutcome TaskRun::Execute() {
  const Config& config = ctx_.config;
  // The channel's isolation is checked here, right before the spawn, on
  // every task: the settings may have changed since the task was routed,
  // and a task never runs with less than its channel asks.
  TaskOutcome refused;
  if (!ctx_.unavailable.empty()) {
    refused.kind = TaskOutcome::Kind::kIsolationUnavailable;
    refused.detail = ctx_.unavailable;
    return refused;
  }
  if (auto key = FirstAbove(spec_.limits, ctx_.channel.limits)) {
    refused.kind = TaskOutcome::Kind::kRefused;
    refused.detail = "limits above the channel's: " + std::string(*key);
    return refused;
  }
  PolicyDecision policy =
      CheckPolicy(spec_, ctx_.channel.policy, spec_.channel, getenv("PATH"));
  if (!policy.refusal.empty()) {
    refused.kind = TaskOutcome::Kind::kRefused;
    refused.detail = policy.refusal;
    return refused;
  }
  // shell=false: the line's words, run as command and args. Only then is
  // the spec copied: not on every task.
  std::optional<TaskSpec> split;
  if (policy.split_words) {
    auto words = SimpleCommandWords(spec_.command);
    split = spec_;
    split->command = (*words)[0];
    split->args = std::vector<std::string>(words->begin() + 1, words->end());
  }
  // A script task: its text in a file of its own, run by its interpreter
  // (the #! line's optional argument first, as the kernel would), and
  // removed when this function returns, however the task ended.
  std::optional<ScriptDir> script;
  if (spec_.is_script()) {
    auto made = ScriptDir::Create(spec_.script);
    if (!made.ok()) {
      refused.kind = TaskOutcome::Kind::kSpawnFailed;
      refused.detail = made.status().message();
      return refused;
    }
    script.emplace(std::move(made.value()));
    std::vector<std::string> argv;
    if (spec_.interpreter.empty())
      if (auto shebang = ParseShebang(spec_.script);
          shebang && !shebang->arg.empty())
        argv.push_back(shebang->arg);
    argv.push_back(script->path());
    argv.insert(argv.end(), spec_.args->begin(), spec_.args->end());
    split = spec_;
    split->args = std::move(argv);
  }
  const TaskSpec& run = split ? *split : spec_;
  ExecLimits limits;
  limits.program = policy.program;
  limits.isolation.limits =
      Tightest(Tightest(ctx_.daemon_limits, ctx_.channel.limits), spec_.limits);
  limits.isolation.isolate = ctx_.channel.isolate;
  limits.timeout_s =
      spec_.timeout_s > 0 ? spec_.timeout_s : config.task_timeout_s;
  limits.kill_grace_s = config.kill_grace_s;
  limits.pipe_grace_s = config.pipe_grace_s;
  limits.output_tail = config.output_tail;
  std::vector<std::string> env = {
      "COYOTES_TASK_ID=" + spec_.id, "COYOTES_CHANNEL=" + spec_.channel,
      "COYOTES_ATTEMPT=" + std::to_string(spec_.attempt)};
  if (script) env.push_back("COYOTES_SCRIPT=" + script->path());
  TaskOutcome outcome = RunTask(run, env, limits, this);
  ReapStrays();
  // The task's group is gone (RunTask killed it after the reap): the
  // master must not signal that group id any more, it may be reused.
  if (ctx_.board) ctx_.board->Clear();
  return outcome;
}

void TaskRun::Run() {
  const Config& config = ctx_.config;
  WorkerControl& control = ctx_.control;
  WorkerSession& session = ctx_.session;
  TaskOutcome outcome = Execute();
  // Its last output goes before its end is recorded: a reader that sees
  // the end has all of it.
  live_.Send(true);

  bool requeue = outcome.kind == TaskOutcome::Kind::kStopped;
  // A failure that may run again becomes a delayed task with the next
  // attempt number (retry_policy.h).
  RetrySettings retry{spec_.retry >= 0          ? spec_.retry
                      : ctx_.channel.retry >= 0 ? ctx_.channel.retry
                                                : config.retry_default,
                      spec_.retry_on};
  bool again = !requeue && ShouldRetry(outcome, spec_.attempt, retry);
  // Only the finish step records an unrecorded start with the end (a
  // requeue needs none: the task goes back as queued). A cancel that came
  // meanwhile means no more attempts.
  if (again && !start_tried_) {
    RecordStart(outcome.duration_ms, 0);
    if (control.stop() == StopReason::kCancel) again = false;
  }
  if (start_refused_) {
    // The start step dropped the item: its record is gone, or another
    // owner runs it. There is nothing to record.
    LOGR(INFO) << "task end id=" << spec_.id << " state=dropped";
    return;
  }
  int64_t delay_ms = 0;
  std::string next_item;
  if (again) {
    std::uniform_real_distribution<double> jitter(0.0, 1.0);
    delay_ms = static_cast<int64_t>(
        1000 * RetryDelay(spec_.attempt, config.retry_min_delay_s,
                          config.retry_max_delay_s, jitter(ctx_.rng)));
    TaskSpec next = spec_;
    next.attempt++;
    next.due_ms = WallMs() + delay_ms;
    next_item = EncodeQueueItem(next);
  }
  LOGR(INFO) << "task end id=" << spec_.id
             << (pid_ > 0 ? " pid=" + std::to_string(pid_) : "")
             << " attempt=" << spec_.attempt << " state="
             << (requeue ? "requeued"
                 : again ? "retrying"
                         : OutcomeState(outcome))
             << " detail=\"" << outcome.detail
             << "\" ms=" << outcome.duration_ms
             << (again ? " retry_in_ms=" + std::to_string(delay_ms) : "");
  // The result must reach Redis: retry until it does, unless a fast stop
  // says to leave (the item then stays in our in-progress list and is
  // recovered, so the task runs again: at least once).
  for (;;) {
    if (session.EnsureConnected()) {
      WorkerStore* store = session.store();
      Status s =
          requeue ? store->Requeue(item_, spec_.id)
          : again ? store->Retry(item_, next_item, spec_.id, outcome,
                                 spec_.attempt, delay_ms)
                  : store->Finish(
                        item_, spec_.id, outcome, config.result_ttl_s,
                        spec_.attempt, config.failed_max, config.failed_ttl_s,
                        control.draining() ? nullptr : session.next_slot(),
                        start_recorded_);
      if (s.ok()) break;
      LOGR(WARNING) << "recording task " << spec_.id << ": " << s.message();
      if (store->broken()) continue;
      control.Sleep(0.5);
    }
    if (control.stop() == StopReason::kFastStop && !requeue) break;
    if (session.credentials_refused()) break;
  }
  if (again) control.Report("due " + std::to_string(delay_ms));
  if (ctx_.board && !requeue) {
    const std::string state = OutcomeState(outcome);
    WorkerBoard::Outcome counted =
        again                                         ? WorkerBoard::kRetried
        : outcome.kind == TaskOutcome::Kind::kTimeout ? WorkerBoard::kTimedOut
        : state == "succeeded"                        ? WorkerBoard::kSucceeded
        : state == "cancelled"                        ? WorkerBoard::kCancelled
                                                      : WorkerBoard::kFailed;
    double wait_s =
        spec_.due_ms > 0 && spawned_wall_ms_ > 0
            ? std::max<int64_t>(0, spawned_wall_ms_ - spec_.due_ms) / 1000.0
            : -1;
    ctx_.board->CountEnd(counted, outcome.duration_ms / 1000.0, wait_s);
  }
}

}  // namespace

void RunQueueItem(const TaskRunContext& ctx, const std::string& item) {
  auto spec = DecodeQueueItem(item);
  if (!spec.ok()) {
    LOGR(ERROR) << "dropping an undecodable queue item: "
                << spec.status().message();
    (void)ctx.session.store()->Discard(item);
    return;
  }
  TaskRun(ctx, spec.value(), item).Run();
}

}  // namespace coyotes
