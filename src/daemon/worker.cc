#include "daemon/worker.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <random>

#include "base/exit_status.h"
#include "base/log.h"
#include "daemon/worker_control.h"
#include "store/redis_keys.h"
#include "store/redis_store.h"
#include "task/retry_policy.h"
#include "task/task_codec.h"
#include "task/task_executor.h"

namespace coyotes {

namespace {

// Signal handlers only note the signal and wake the loop.
volatile sig_atomic_t g_drain_signal = 0;
volatile sig_atomic_t g_hup = 0;
int g_wake_fd = -1;

void OnSignal(int sig) {
  int saved = errno;
  if (sig == SIGHUP)
    g_hup = 1;
  else
    g_drain_signal = sig;
  if (g_wake_fd >= 0) {
    char c = 's';
    (void)!write(g_wake_fd, &c, 1);
  }
  errno = saved;
}

class Worker : public ExecObserver {
 public:
  Worker(const Config& config, WorkerParams p)
      : config_(config), p_(std::move(p)), keys_(config.key_namespace) {}

  int Run();

  // ExecObserver: while a task runs.
  std::vector<int> WatchFds() override {
    std::vector<int> fds = {wake_r_.get()};
    if (p_.control_fd.valid()) fds.push_back(p_.control_fd.get());
    return fds;
  }
  void OnReadable(int fd) override;
  void OnTick() override;
  double tick_s() const override {
    return start_due() ? kRecordStartAfter_s : config_.lease_ttl_s / 3;
  }
  StopReason stop_requested() const override { return stop_; }
  void OnSpawned(pid_t pid) override;
  void OnReaped() override { task_reaped_ = true; }

 private:
  bool draining() const { return drain_ || g_drain_signal != 0; }
  void NoteSignals();
  // Waits up to `seconds` for the control or signal pipe (back-off sleeps
  // that a drain cuts short).
  void Sleep(double seconds);
  bool EnsureConnected();
  void RunOne(const std::string& item);
  void Report(const std::string& line);
  void ReapStrays();
  void RequestCancel(const std::string& task_id);
  // The running task's start is not recorded yet (see kRecordStartAfter_s).
  bool start_due() const {
    return current_ != nullptr && task_pid_ > 0 && !task_reaped_ &&
           !start_tried_;
  }
  // Sends the start of a task that has run ran_ms; pstart is its process
  // start time while it runs (0 once reaped: the pid may be reused).
  void RecordStart(int64_t ran_ms, uint64_t pstart);

  // A task's start is recorded once it has run this long: most tasks are
  // shorter, and their finish then records start and end in one step (one
  // Redis round trip per task instead of two). Until then the record says
  // queued, and a cancel that came between the claim and the start takes
  // effect here (the task may have run this long).
  static constexpr double kRecordStartAfter_s = 0.02;

  const Config& config_;
  WorkerParams p_;
  RedisKeys keys_;
  std::optional<WorkerStore> store_;
  UniqueFd wake_r_, wake_w_;
  bool drain_ = false;
  bool have_lease_ = false;
  // After each (re)connection: run what our in-progress list already holds
  // (a claim whose reply was lost) before claiming anything new.
  bool check_held_ = false;
  // The item the last finish claimed, to run next. A reconnection drops it:
  // it is in our in-progress list, where check_held_ finds it.
  std::optional<std::string> next_;
  std::string control_buf_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::uniform_real_distribution<double> jitter_{0.0, 1.0};
  StopReason stop_ = StopReason::kNone;
  double backoff_s_ = 0;
  int exit_code_ = 0;
  std::chrono::steady_clock::time_point last_beat_;

  // The task being run, its process once spawned, and whether its start
  // was sent to Redis (start_tried_) and recorded (start_recorded_), or
  // refused there (start_refused_).
  const TaskSpec* current_ = nullptr;
  const std::string* current_item_ = nullptr;
  pid_t task_pid_ = 0;
  bool task_reaped_ = false;
  std::chrono::steady_clock::time_point spawned_at_;
  bool start_tried_ = false;
  bool start_recorded_ = false;
  bool start_refused_ = false;
};

void Worker::NoteSignals() {
  if (g_hup) {
    g_hup = 0;
    ReopenLogFiles();
  }
  if (g_drain_signal != 0 && !drain_) {
    LOGR(INFO) << SignalName(g_drain_signal) << ": draining";
    drain_ = true;
  }
}

void Worker::OnReadable(int fd) {
  if (fd == wake_r_.get()) {
    char buf[64];
    while (read(fd, buf, sizeof(buf)) > 0) {
    }
    NoteSignals();
    return;
  }
  char buf[256];
  ssize_t n = read(fd, buf, sizeof(buf));
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    // The master is gone: finish the task in hand, then leave.
    if (!drain_) LOGR(WARNING) << "master is gone: draining";
    drain_ = true;
    p_.control_fd.reset();
    return;
  }
  if (n < 0) return;
  control_buf_.append(buf, n);
  for (const ControlMessage& m : TakeControlMessages(&control_buf_)) {
    switch (m.kind) {
      case ControlMessage::Kind::kCancel:
        RequestCancel(m.task_id);
        break;
      case ControlMessage::Kind::kDrain:
        if (!drain_) {
          LOGR(INFO) << "draining at the master's request";
          drain_ = true;
        }
        break;
      case ControlMessage::Kind::kFastStop:
        if (stop_ != StopReason::kFastStop)
          LOGR(INFO) << "fast stop at the master's request";
        drain_ = true;
        stop_ = StopReason::kFastStop;
        break;
    }
  }
}

void Worker::Sleep(double seconds) {
  std::vector<int> fds = WatchFds();
  std::vector<pollfd> p;
  for (int fd : fds) p.push_back({fd, POLLIN, 0});
  int n = poll(p.data(), p.size(), static_cast<int>(seconds * 1000));
  if (n > 0)
    for (auto& x : p)
      if (x.revents) OnReadable(x.fd);
}

bool Worker::EnsureConnected() {
  if (store_ && !store_->broken()) return true;
  if (store_) {
    LOGR(WARNING) << "lost the Redis connection; reconnecting";
    store_.reset();
  }
  RedisTarget t{config_.redis_addr, config_.redis_password, config_.redis_db};
  auto c = RedisClient::Connect(t, 2.0);
  if (!c.ok()) {
    if (c.status().code() == StatusCode::kPermissionDenied) {
      LOGR(ERROR) << c.status().message() << "; exiting";
      exit_code_ = kExitConfig;
      drain_ = true;
      return false;
    }
    backoff_s_ = std::clamp(backoff_s_ * 2, 0.1, 5.0);
    LOGR(WARNING) << c.status().message() << "; retrying in " << backoff_s_
                  << "s";
    Sleep(backoff_s_);
    return false;
  }
  if (backoff_s_ > 0) LOGR(INFO) << "connected to Redis again";
  check_held_ = true;
  next_.reset();
  backoff_s_ = 0;
  store_.emplace(std::move(c.value()), keys_, p_.channel, p_.owner,
                 static_cast<int64_t>(config_.lease_ttl_s * 1000));
  return true;
}

void Worker::OnTick() {
  NoteSignals();
  if (start_due()) {
    auto ran = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - spawned_at_);
    // Logged with the recorded start, not at the spawn: most tasks end
    // sooner, and their end line says it all.
    LOGR(INFO) << "task start id=" << current_->id << " pid=" << task_pid_
               << " attempt=" << current_->attempt;
    RecordStart(ran.count(), ProcessStartTime(task_pid_));
    return;
  }
  if (!store_ || store_->broken()) return;
  last_beat_ = std::chrono::steady_clock::now();
  if (current_ != nullptr) {
    // While a task runs the renewal also says whether it was cancelled
    // through another daemon's API.
    auto cancel = store_->TaskHeartbeat(current_->id);
    if (cancel.ok() && cancel.value()) RequestCancel(current_->id);
    return;
  }
  auto lost = store_->Heartbeat();
  if (!lost.ok()) return;
  // The first renewal creates the lease; a later one that creates it again
  // means it had expired (a long Redis outage).
  if (lost.value() && have_lease_)
    LOGR(WARNING) << "our lease had expired and was taken again";
  have_lease_ = true;
}

void Worker::RequestCancel(const std::string& task_id) {
  if (current_ == nullptr || current_->id != task_id ||
      stop_ != StopReason::kNone)
    return;
  LOGR(INFO) << "task " << task_id << " cancelled; stopping it";
  stop_ = StopReason::kCancel;
}

void Worker::OnSpawned(pid_t pid) {
  if (p_.board) p_.board->Publish(current_->id, pid);
  task_pid_ = pid;
  spawned_at_ = std::chrono::steady_clock::now();
}

void Worker::RecordStart(int64_t ran_ms, uint64_t pstart) {
  start_tried_ = true;
  // A failed Start (Redis gone) is not fatal: the task runs, and the
  // finish step records it once Redis is back.
  for (int i = 0; i < 3; i++) {
    if (!EnsureConnected()) continue;
    auto ok = store_->Start(*current_item_, current_->id, current_->attempt,
                            task_pid_, pstart, ran_ms);
    if (ok.ok()) {
      switch (ok.value()) {
        case WorkerStore::StartAnswer::kRun:
          start_recorded_ = true;
          break;
        case WorkerStore::StartAnswer::kCancel:
          RequestCancel(current_->id);
          break;
        case WorkerStore::StartAnswer::kDrop:
          LOGR(INFO) << "task " << current_->id
                     << " must not run (its record is gone, or it runs "
                        "elsewhere); stopping it";
          start_refused_ = true;
          stop_ = StopReason::kCancel;
          break;
      }
      return;
    }
    LOGR(WARNING) << "recording the start of " << current_->id << ": "
                  << ok.status().message();
  }
}

void Worker::Report(const std::string& line) {
  if (!p_.status_fd.valid()) return;
  std::string l = line + "\n";
  // Lines are far below PIPE_BUF, so each write is atomic.
  if (write(p_.status_fd.get(), l.data(), l.size()) < 0 && errno == EPIPE)
    p_.status_fd.reset();
}

void Worker::ReapStrays() {
  // As a child subreaper we inherit the task's orphaned descendants.
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

void Worker::RunOne(const std::string& item) {
  auto spec = DecodeQueueItem(item);
  if (!spec.ok()) {
    LOGR(ERROR) << "dropping an undecodable queue item: "
                << spec.status().message();
    (void)store_->Discard(item);
    return;
  }
  current_ = &spec.value();
  current_item_ = &item;
  task_pid_ = 0;
  task_reaped_ = start_tried_ = start_recorded_ = start_refused_ = false;
  stop_ = drain_ && stop_ == StopReason::kFastStop ? stop_ : StopReason::kNone;

  ExecLimits limits;
  limits.timeout_s =
      spec->timeout_s > 0 ? spec->timeout_s : config_.task_timeout_s;
  limits.kill_grace_s = config_.kill_grace_s;
  limits.pipe_grace_s = config_.pipe_grace_s;
  limits.output_tail = config_.output_tail;
  std::vector<std::string> env = {
      "COYOTES_TASK_ID=" + spec->id, "COYOTES_CHANNEL=" + spec->channel,
      "COYOTES_ATTEMPT=" + std::to_string(spec->attempt)};
  TaskOutcome outcome = RunTask(*spec, env, limits, this);
  ReapStrays();
  // The task's group is gone (RunTask killed it after the reap): the
  // master must not signal that group id any more, it may be reused.
  if (p_.board) p_.board->Clear();

  bool requeue = outcome.kind == TaskOutcome::Kind::kStopped;
  // A failure that may run again becomes a delayed task with the next
  // attempt number (retry_policy.h).
  RetrySettings retry{spec->retry >= 0        ? spec->retry
                      : p_.channel_retry >= 0 ? p_.channel_retry
                                              : config_.retry_default,
                      spec->retry_on};
  bool again = !requeue && ShouldRetry(outcome, spec->attempt, retry);
  // Only the finish step records an unrecorded start with the end (a
  // requeue needs none: the task goes back as queued). A cancel that came
  // meanwhile means no more attempts.
  if (again && !start_tried_) {
    RecordStart(outcome.duration_ms, 0);
    if (stop_ == StopReason::kCancel) again = false;
  }
  if (start_refused_) {
    // The start step dropped the item: its record is gone, or another
    // owner runs it. There is nothing to record.
    LOGR(INFO) << "task end id=" << spec->id << " state=dropped";
    current_ = nullptr;
    current_item_ = nullptr;
    return;
  }
  int64_t delay_ms = 0;
  std::string next_item;
  if (again) {
    delay_ms = static_cast<int64_t>(
        1000 * RetryDelay(spec->attempt, config_.retry_min_delay_s,
                          config_.retry_max_delay_s, jitter_(rng_)));
    TaskSpec next = *spec;
    next.attempt++;
    next_item = EncodeQueueItem(next);
  }
  LOGR(INFO) << "task end id=" << spec->id
             << (task_pid_ > 0 ? " pid=" + std::to_string(task_pid_) : "")
             << " attempt=" << spec->attempt << " state="
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
    if (EnsureConnected()) {
      Status s =
          requeue ? store_->Requeue(item, spec->id)
          : again ? store_->Retry(item, next_item, spec->id, outcome,
                                  spec->attempt, delay_ms)
                  : store_->Finish(
                        item, spec->id, outcome, config_.result_ttl_s,
                        spec->attempt, config_.failed_max, config_.failed_ttl_s,
                        draining() ? nullptr : &next_, start_recorded_);
      if (s.ok()) break;
      LOGR(WARNING) << "recording task " << spec->id << ": " << s.message();
      if (store_->broken()) continue;
      Sleep(0.5);
    }
    if (stop_ == StopReason::kFastStop && !requeue) break;
    if (exit_code_ == kExitConfig) break;
  }
  if (again) Report("due " + std::to_string(delay_ms));
  current_ = nullptr;
  current_item_ = nullptr;
}

int Worker::Run() {
  SetLogRole("worker " + p_.channel + "/" + std::to_string(p_.index));
  int pipefd[2];
  PCHECK(pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) == 0);
  wake_r_.reset(pipefd[0]);
  wake_w_.reset(pipefd[1]);
  g_wake_fd = wake_w_.get();

  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGUSR2, SIGHUP})
    sigaction(sig, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  // Die with the master: the parent-death signal is our drain signal, and
  // the control pipe's EOF says the same if the signal was missed.
  prctl(PR_SET_PDEATHSIG, SIGUSR2);
  if (getppid() != p_.master_pid) drain_ = true;
  prctl(PR_SET_CHILD_SUBREAPER, 1);

  LOGR(INFO) << "started owner=" << p_.owner;
  double claim_s = std::min(1.0, config_.lease_ttl_s / 3);
  while (!draining()) {
    // The control pipe is only read here and while a task runs: the claim
    // below blocks for at most claim_s, which bounds how long a drain
    // request waits.
    Sleep(0);
    NoteSignals();
    if (draining()) break;
    if (!EnsureConnected()) continue;
    auto since = std::chrono::steady_clock::now() - last_beat_;
    if (since >= std::chrono::duration<double>(tick_s())) OnTick();
    if (check_held_) {
      auto held = store_->Held();
      if (!held.ok()) continue;
      if (!held.value()) {
        check_held_ = false;
      } else {
        LOGR(WARNING) << "running a task already in our in-progress list "
                         "(its claim's reply was lost)";
        RunOne(*held.value());
        continue;
      }
    }
    if (next_) {
      std::string item = std::move(*next_);
      next_.reset();
      RunOne(item);
      continue;
    }
    // The read timeout must outlast the blocking wait.
    auto item = store_->Claim(claim_s);
    if (!item.ok()) {
      LOGR(WARNING) << "claiming a task: " << item.status().message();
      if (!store_->broken()) Sleep(0.5);
      continue;
    }
    if (!item.value()) continue;
    RunOne(*item.value());
  }
  NoteSignals();
  bool holding = false;
  if (next_) {
    // The last finish claimed an item and then the drain came: it goes back
    // where it was. If Redis is gone, the item stays in our in-progress
    // list and our lease, left to expire, gets it recovered.
    Status s = store_ && !store_->broken() ? store_->Unclaim()
                                           : Unavailable("not connected");
    holding = !s.ok();
    if (holding)
      LOGR(WARNING) << "giving back a task not started: " << s.message()
                    << "; it is recovered when our lease expires";
  }
  if (store_ && !store_->broken() && !holding) (void)store_->ReleaseLease();
  LOGR(INFO) << "exiting";
  google::FlushLogFiles(google::GLOG_INFO);
  return exit_code_;
}

}  // namespace

int RunWorker(const Config& config, WorkerParams params) {
  Worker w(config, std::move(params));
  return w.Run();
}

}  // namespace coyotes
