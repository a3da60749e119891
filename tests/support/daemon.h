// Daemon: the real coyotes binary (COYOTES_BINARY), started the way a user
// starts it, against a RedisServer, with its own pid file, a free HTTP port
// and its stdout/stderr in a log file inside a fresh temporary directory.
//
//   auto redis = RedisServer::Start();
//   auto daemon = Daemon::Start(*redis, {.flags = {"--concurrent=2"}});
//   ASSERT_TRUE(daemon->WaitReady()) << daemon->LogTail();
//   HttpResponse r = HttpRequest(daemon->http_port(), "GET", "/...");
//   daemon->Signal(SIGTERM);
//   auto status = daemon->WaitExit(10);
//
// The build defines COYOTES_BINARY and COYOTES_SRCDIR as string literals.
#ifndef COYOTES_TESTS_SUPPORT_DAEMON_H_
#define COYOTES_TESTS_SUPPORT_DAEMON_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/redis_server.h"

#ifndef COYOTES_BINARY
#error "the build must define COYOTES_BINARY, the daemon binary's path"
#endif
#ifndef COYOTES_SRCDIR
#error "the build must define COYOTES_SRCDIR, the source tree's path"
#endif

namespace coyotes::testing {

// The daemon binary and the source tree, from the build.
inline constexpr char kCoyotesBinary[] = COYOTES_BINARY;
inline constexpr char kCoyotesSrcDir[] = COYOTES_SRCDIR;

struct DaemonOptions {
  // Appended after the defaults; gflags lets a later flag override an
  // earlier one, so any default can be replaced.
  std::vector<std::string> flags;
  // The daemon leads its own process group, so SignalGroup() reaches it and
  // its workers only.
  bool own_process_group = true;
  // Executable to run instead of COYOTES_BINARY (for the support library's
  // own tests, or a wrapper). Empty: COYOTES_BINARY.
  std::string binary;
  // False: no --redis-host (the flags name Redis otherwise, e.g. with
  // --redis-sentinel, which refuses --redis-host).
  bool redis_host = true;
};

class Daemon {
 public:
  // Runs the binary with
  //   --redis-host=127.0.0.1:PORT --pidfile=DIR/coyotes.pid
  //   --http-addr=127.0.0.1:0 [--redis-password=...] FLAGS...
  // stdin /dev/null, stdout and stderr appended to DIR/daemon.log. Does not
  // wait: call WaitReady(). The daemon gets SIGTERM if the test binary dies
  // (strictly: when the thread that called Start() exits, so start daemons
  // from the test's own thread).
  static std::unique_ptr<Daemon> Start(const RedisServer& redis,
                                       DaemonOptions options = {});

  // If the daemon still runs: SIGTERM, then after 5 s SIGKILL to it and to
  // its remaining direct children; it is always reaped. With its own process
  // group, whatever is left in the group is SIGKILLed. Prints the log tail
  // when the current test has failed. Removes the directory unless
  // COYOTES_KEEP_TEST_DIRS is set.
  ~Daemon();

  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Polls the log for the "coyotes ready" line and takes the HTTP port from
  // its "http=HOST:PORT" field. False if the process exits first or the
  // timeout passes.
  bool WaitReady(double timeout_s = 10);
  // True once the log contains `needle` (false on timeout).
  bool WaitLog(const std::string& needle, double timeout_s);

  pid_t pid() const { return pid_; }
  int http_port() const { return http_port_; }  // 0 before WaitReady()
  const std::string& dir() const { return dir_; }
  std::string pidfile() const { return dir_ + "/coyotes.pid"; }
  std::string log_path() const { return dir_ + "/daemon.log"; }
  std::string log() const;  // the whole log
  std::string LogTail(size_t bytes = 4000) const;

  // kill(pid, sig); ignored once the process has been reaped.
  void Signal(int sig);
  // kill(-pid, sig): the daemon's process group (own_process_group).
  void SignalGroup(int sig);
  // The raw wait status once the process has exited (reaping it), or
  // nullopt when it still runs after `timeout_s`. Later calls return the
  // same status at once.
  std::optional<int> WaitExit(double timeout_s);
  // False once the process has exited (it is reaped then).
  bool running();
  // The raw wait status, if the process has been reaped.
  std::optional<int> exit_status() const { return exit_status_; }

  // The daemon's live (non-zombie) direct children, i.e. its workers, from
  // /proc/*/stat. Empty once the daemon has exited.
  std::vector<pid_t> WorkerPids();

  // Runs COYOTES_BINARY with exactly `args` (argv[0] is the binary), stdin
  // /dev/null, and stores stdout and stderr, interleaved, in `*output` (may
  // be null). Returns the raw wait status; after `timeout_s` the process is
  // SIGKILLed (so the status says so).
  static int RunToExit(std::vector<std::string> args, std::string* output,
                       double timeout_s = 10);

 private:
  Daemon() = default;

  std::string dir_;
  std::string command_line_;  // for failure reports
  pid_t pid_ = -1;
  bool own_process_group_ = true;
  int http_port_ = 0;
  std::optional<int> exit_status_;
};

}  // namespace coyotes::testing

#endif  // COYOTES_TESTS_SUPPORT_DAEMON_H_
