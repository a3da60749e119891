#include "daemon/worker_control.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>

#include "base/exit_status.h"
#include "base/log.h"

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

}  // namespace

std::vector<ControlMessage> TakeControlMessages(std::string* buf) {
  std::vector<ControlMessage> out;
  size_t at = 0;
  while (at < buf->size()) {
    char c = (*buf)[at];
    if (c == 'C') {
      size_t nl = buf->find('\n', at);
      if (nl == std::string::npos) break;  // the rest comes later
      out.push_back(
          {ControlMessage::Kind::kCancel, buf->substr(at + 1, nl - at - 1)});
      at = nl + 1;
      continue;
    }
    at++;
    if (c == 'D')
      out.push_back({ControlMessage::Kind::kDrain, ""});
    else if (c == 'F')
      out.push_back({ControlMessage::Kind::kFastStop, ""});
  }
  buf->erase(0, at);
  return out;
}

WorkerControl::WorkerControl(UniqueFd control_fd, UniqueFd status_fd)
    : control_fd_(std::move(control_fd)), status_fd_(std::move(status_fd)) {}

WorkerControl::~WorkerControl() {
  // A signal after this must not write to a closed (or reused) descriptor.
  if (g_wake_fd == wake_w_.get()) g_wake_fd = -1;
}

void WorkerControl::Start(pid_t master_pid) {
  CHECK_LT(g_wake_fd, 0) << "one WorkerControl per process";
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
  if (getppid() != master_pid) drain_ = true;
}

bool WorkerControl::draining() const { return drain_ || g_drain_signal != 0; }

std::vector<int> WorkerControl::fds() const {
  std::vector<int> fds = {wake_r_.get()};
  if (control_fd_.valid()) fds.push_back(control_fd_.get());
  return fds;
}

void WorkerControl::NoteSignals() {
  if (g_hup) {
    g_hup = 0;
    ReopenLogFiles();
  }
  if (g_drain_signal != 0 && !drain_) {
    LOGR(INFO) << SignalName(g_drain_signal) << ": draining";
    drain_ = true;
  }
}

void WorkerControl::OnReadable(int fd) {
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
    control_fd_.reset();
    return;
  }
  if (n < 0) return;
  control_buf_.append(buf, n);
  for (const ControlMessage& m : TakeControlMessages(&control_buf_)) Apply(m);
}

void WorkerControl::Apply(const ControlMessage& m) {
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

void WorkerControl::Sleep(double seconds) {
  std::vector<pollfd> p;
  for (int fd : fds()) p.push_back({fd, POLLIN, 0});
  int n = poll(p.data(), p.size(), static_cast<int>(seconds * 1000));
  if (n > 0)
    for (auto& x : p)
      if (x.revents) OnReadable(x.fd);
}

void WorkerControl::BeginTask(const std::string& task_id) {
  task_id_ = task_id;
  stop_ = drain_ && stop_ == StopReason::kFastStop ? stop_ : StopReason::kNone;
}

void WorkerControl::RequestCancel(const std::string& task_id) {
  if (!task_id_ || *task_id_ != task_id || stop_ != StopReason::kNone) return;
  LOGR(INFO) << "task " << task_id << " cancelled; stopping it";
  stop_ = StopReason::kCancel;
}

void WorkerControl::Report(const std::string& line) {
  if (!status_fd_.valid()) return;
  std::string l = line + "\n";
  // Lines are far below PIPE_BUF, so each write is atomic.
  if (write(status_fd_.get(), l.data(), l.size()) < 0 && errno == EPIPE)
    status_fd_.reset();
}

}  // namespace coyotes
