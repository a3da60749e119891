// Daemon: the real coyotes binary under test.
#include "support/daemon.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <utility>

#include "support/wait.h"

namespace coyotes::testing {

namespace {

using internal::ReapBefore;
using internal::ReapBlocking;

constexpr double kTermGrace = 5;

// Finds the "coyotes ready" line in `text` and returns the port of its
// "http=HOST:PORT" field, or 0. With `need_newline` only complete lines
// count (the daemon may be half-way through writing the line).
int ParseReadyPort(const std::string& text, bool need_newline) {
  size_t at = text.find("coyotes ready");
  while (at != std::string::npos) {
    const size_t begin = text.rfind('\n', at);
    const size_t line_begin = begin == std::string::npos ? 0 : begin + 1;
    size_t line_end = text.find('\n', at);
    if (line_end == std::string::npos) {
      if (need_newline) return 0;
      line_end = text.size();
    }
    const std::string_view line(text.data() + line_begin,
                                line_end - line_begin);
    size_t field = line.find(" http=");
    if (field != std::string_view::npos) {
      field += 6;
      size_t value_end = line.find_first_of(" \t\r", field);
      if (value_end == std::string_view::npos) value_end = line.size();
      const std::string_view value = line.substr(field, value_end - field);
      const size_t colon = value.rfind(':');
      if (colon != std::string_view::npos) {
        const std::string digits(value.substr(colon + 1));
        char* end = nullptr;
        const long port = std::strtol(digits.c_str(), &end, 10);
        if (!digits.empty() && *end == '\0' && port > 0 && port < 65536) {
          return static_cast<int>(port);
        }
      }
    }
    at = text.find("coyotes ready", line_end);
  }
  return 0;
}

std::string ShellQuoteJoin(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& arg : argv) {
    if (!out.empty()) out += ' ';
    const bool plain =
        !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) ||
                 std::strchr("-_=./:,@%+", c) != nullptr;
        });
    if (plain) {
      out += arg;
    } else {
      out += '\'';
      for (char c : arg) {
        if (c == '\'') {
          out += "'\\''";
        } else {
          out += c;
        }
      }
      out += '\'';
    }
  }
  return out;
}

// ppid and state of /proc/PID/stat; false if the process is gone.
bool ReadStat(const std::string& pid_name, pid_t* ppid, char* state) {
  std::ifstream in("/proc/" + pid_name + "/stat");
  if (!in) return false;
  std::string text;
  std::getline(in, text);
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so
  // parse from the last ')'.
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(text.substr(close + 1));
  long parent = 0;
  if (!(rest >> *state >> parent)) return false;
  *ppid = static_cast<pid_t>(parent);
  return true;
}

}  // namespace

std::unique_ptr<Daemon> Daemon::Start(const RedisServer& redis,
                                      DaemonOptions options) {
  std::unique_ptr<Daemon> daemon(new Daemon());
  daemon->dir_ = internal::MakeTempDir();
  daemon->own_process_group_ = options.own_process_group;

  internal::SpawnSpec spec;
  spec.argv = {options.binary.empty() ? std::string(kCoyotesBinary)
                                      : options.binary};
  if (options.redis_host) spec.argv.push_back("--redis-host=" + redis.addr());
  spec.argv.insert(spec.argv.end(), {"--pidfile=" + daemon->pidfile(),
                                     "--http-addr=127.0.0.1:0"});
  if (!redis.password().empty()) {
    spec.argv.push_back("--redis-password=" + redis.password());
  }
  spec.argv.insert(spec.argv.end(), options.flags.begin(), options.flags.end());
  daemon->command_line_ = ShellQuoteJoin(spec.argv);

  const std::string log_path = daemon->log_path();
  const int log_fd =
      open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    std::fprintf(stderr, "coyotes test support: cannot open %s: %s\n",
                 log_path.c_str(), std::strerror(errno));
    std::abort();
  }
  spec.stdout_fd = log_fd;
  spec.new_process_group = options.own_process_group;
  // If the test binary dies abruptly, the daemon shuts down as on a stop.
  spec.parent_death_signal = SIGTERM;
  daemon->pid_ = internal::SpawnChild(spec);
  const int fork_errno = errno;
  close(log_fd);
  if (daemon->pid_ < 0) {
    std::fprintf(stderr, "coyotes test support: fork: %s\n",
                 std::strerror(fork_errno));
    std::abort();
  }
  return daemon;
}

Daemon::~Daemon() {
  if (pid_ > 0 && running()) {
    kill(pid_, SIGTERM);
    if (!WaitExit(kTermGrace)) {
      std::fprintf(stderr,
                   "coyotes test support: daemon %d still runs %g s after "
                   "SIGTERM; killing it and its children\n",
                   static_cast<int>(pid_), kTermGrace);
      // Children first listed, then killed after their parent, so that the
      // parent cannot respawn them in between.
      const std::vector<pid_t> children = WorkerPids();
      kill(pid_, SIGKILL);
      for (pid_t child : children) kill(child, SIGKILL);
      exit_status_ = ReapBlocking(pid_);
    }
  }
  // Whatever remains of the daemon's group (e.g. workers still draining).
  // The group id cannot name anyone else while a member lives.
  if (pid_ > 0 && own_process_group_) kill(-pid_, SIGKILL);
  if (::testing::Test::HasFailure()) {
    std::fprintf(stderr,
                 "---- coyotes daemon (dir %s) ----\n$ %s\n---- log tail "
                 "----\n%s\n---- end of daemon log ----\n",
                 dir_.c_str(), command_line_.c_str(), LogTail().c_str());
  }
  internal::RemoveTempDir(dir_);
}

std::string Daemon::log() const { return internal::ReadFile(log_path()); }

std::string Daemon::LogTail(size_t bytes) const {
  return internal::ReadFileTail(log_path(), bytes);
}

bool Daemon::WaitReady(double timeout_s) {
  int port = 0;
  WaitFor(
      [&] {
        // Liveness first: if the process had exited, the log read after it
        // is complete.
        const bool alive = running();
        port = ParseReadyPort(log(), /*need_newline=*/alive);
        return port != 0 || !alive;
      },
      timeout_s);
  if (port == 0) return false;
  http_port_ = port;
  return true;
}

bool Daemon::WaitLog(const std::string& needle, double timeout_s) {
  return WaitFor([&] { return log().find(needle) != std::string::npos; },
                 timeout_s);
}

void Daemon::Signal(int sig) {
  if (pid_ > 0 && !exit_status_) kill(pid_, sig);
}

void Daemon::SignalGroup(int sig) {
  if (pid_ > 0) kill(-pid_, sig);
}

bool Daemon::running() {
  if (pid_ <= 0 || exit_status_) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_status_ = status;
    return false;
  }
  if (r < 0 && errno == ECHILD) {
    exit_status_ = -1;  // someone else reaped it
    return false;
  }
  return true;
}

std::optional<int> Daemon::WaitExit(double timeout_s) {
  WaitFor([&] { return !running(); }, timeout_s, 0.005);
  return exit_status_;
}

std::vector<pid_t> Daemon::WorkerPids() {
  std::vector<pid_t> children;
  if (!running()) return children;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return c >= '0' && c <= '9';
        })) {
      continue;
    }
    pid_t ppid = 0;
    char state = '?';
    if (ReadStat(name, &ppid, &state) && ppid == pid_ && state != 'Z' &&
        state != 'X') {
      children.push_back(static_cast<pid_t>(std::atol(name.c_str())));
    }
  }
  std::sort(children.begin(), children.end());
  return children;
}

int Daemon::RunToExit(std::vector<std::string> args, std::string* output,
                      double timeout_s) {
  if (output != nullptr) output->clear();
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return -1;
  }
  internal::SpawnSpec spec;
  spec.argv.reserve(args.size() + 1);
  spec.argv.push_back(kCoyotesBinary);
  for (std::string& arg : args) spec.argv.push_back(std::move(arg));
  spec.stdout_fd = fds[1];
  const pid_t pid = internal::SpawnChild(spec);
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return -1;
  }
  const double deadline = NowSeconds() + timeout_s;
  char buf[4096];
  for (;;) {
    const double left = deadline - NowSeconds();
    if (left <= 0) break;
    pollfd p = {fds[0], POLLIN, 0};
    const int n = poll(&p, 1, static_cast<int>(left * 1000) + 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;  // timeout: the loop condition ends it
    const ssize_t got = read(fds[0], buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF: every writer is gone
    if (output != nullptr) output->append(buf, static_cast<size_t>(got));
  }
  close(fds[0]);
  int status = 0;
  if (!ReapBefore(pid, deadline, &status)) {
    kill(pid, SIGKILL);
    status = ReapBlocking(pid);
  }
  return status;
}

}  // namespace coyotes::testing
