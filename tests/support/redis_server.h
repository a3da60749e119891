// RedisServer: a private, real redis-server for one test or suite, on a free
// loopback port in a fresh temporary directory. RedisConn: a small
// synchronous hiredis client whose helpers return plain values, for
// assertions.
//
//   auto redis = RedisServer::Start();
//   auto conn = redis->Connect();
//   conn->PipelineLPush("task:prepare:queue", items);
//   EXPECT_EQ(conn->LLen("task:prepare:queue"), 10000);
//   redis->Restart();  // same port, same dir: the AOF brings the data back
#ifndef COYOTES_TESTS_SUPPORT_REDIS_SERVER_H_
#define COYOTES_TESTS_SUPPORT_REDIS_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

struct redisContext;
struct redisReply;

namespace coyotes::testing {

struct RedisServerOptions {
  std::string password;  // --requirepass when nonempty
  bool appendonly = true;
  // More "--name value" arguments, e.g. {"--replicaof", "127.0.0.1 6379"}.
  std::vector<std::string> extra_args;
  // A sentinel (Debian's redis-sentinel) instead of a server: these lines
  // go into DIR/sentinel.conf, written at the first start only (the
  // sentinel rewrites it as it learns).
  bool sentinel = false;
  std::string sentinel_config;
  // Choose a port P whose cluster bus port P + 10000 is free too (and at
  // most 65535), for servers started with --cluster-enabled yes.
  bool cluster_bus = false;
};

class RedisConn;

class RedisServer {
 public:
  // Starts redis-server (/usr/bin/redis-server) and waits (10 s at most)
  // until it answers PING. Aborts the test binary, printing the server log
  // tail, if it cannot be started. The server is SIGKILLed if the thread
  // that started it (normally the test's) exits. It runs with
  // --enable-debug-command local, so tests may stall it with DEBUG SLEEP.
  static std::unique_ptr<RedisServer> Start(
      const RedisServerOptions& options = {});

  // Kills the server if it runs (SIGKILL; reaped) and removes the directory
  // (kept when the environment variable COYOTES_KEEP_TEST_DIRS is set).
  ~RedisServer();

  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  std::string addr() const;  // "127.0.0.1:PORT"
  // The server listens on this Unix socket too (mode 0700).
  std::string socket_path() const { return dir_ + "/redis.sock"; }
  const std::string& dir() const { return dir_; }
  const std::string& password() const { return options_.password; }
  pid_t pid() const { return pid_; }  // -1 when stopped
  bool running() const { return pid_ > 0; }

  // SIGTERM and wait for the exit (SIGKILL after 10 s); takes up to 100 ms,
  // redis-server's cron period. With appendonly the data is on disk
  // afterwards. No-op when not running.
  void Stop();
  // Stop(), then start again on the same port with the same directory and
  // wait for PING. Also brings a stopped or killed server back.
  void Restart();
  // SIGKILL and wait. No-op when not running.
  void Kill();

  // A new connection (AUTH done when the server has a password). A
  // connection failure is recorded as a GoogleTest failure; the returned
  // object then answers every command with an "ERR:" reply.
  std::unique_ptr<RedisConn> Connect() const;

  std::string log_path() const;
  // The last `bytes` bytes of the server log (its own log plus anything it
  // wrote to stdout/stderr).
  std::string LogTail(size_t bytes = 4000) const;

 private:
  RedisServer() = default;
  void Spawn();
  enum class UpResult { kUp, kExited, kTimeout };
  UpResult WaitUp(double deadline);
  [[noreturn]] void Die(const std::string& why) const;

  RedisServerOptions options_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

class RedisConn {
 public:
  // Prefer RedisServer::Connect(). Never returns null.
  static std::unique_ptr<RedisConn> Open(int port,
                                         const std::string& password = "",
                                         double timeout_s = 5);
  ~RedisConn();

  RedisConn(const RedisConn&) = delete;
  RedisConn& operator=(const RedisConn&) = delete;

  // False after a connection or I/O error.
  bool ok() const;

  // Runs one command. Strings and statuses as they are, integers as decimal
  // text, nil as "(nil)", errors as "ERR:" + the message (I/O errors too),
  // arrays as their elements (converted the same way) joined by '\n'.
  std::string Cmd(std::vector<std::string> argv);
  // An integer reply, or a string reply holding an integer (e.g. HGET of a
  // counter). Nil gives 0. Anything else is a GoogleTest failure and -1.
  long long Int(std::vector<std::string> argv);
  // An array reply's elements, converted as by Cmd(). Nil (e.g. a timed-out
  // BLPOP) gives an empty vector; a scalar gives one element; an error is a
  // GoogleTest failure and an empty vector.
  std::vector<std::string> List(std::vector<std::string> argv);
  long long LLen(const std::string& key);
  // LPUSH key value for every value, pipelined `batch` commands at a time.
  // The list ends up as if each value had been LPUSHed in order (the last
  // value at the head). Errors are GoogleTest failures.
  void PipelineLPush(const std::string& key,
                     const std::vector<std::string>& values,
                     size_t batch = 1000);

  // The underlying hiredis context, for anything the helpers do not cover.
  // May be null if the connection could not even be allocated.
  redisContext* context() { return ctx_; }

 private:
  explicit RedisConn(redisContext* ctx) : ctx_(ctx) {}
  // Sends argv and returns the owned reply, or null on an I/O error.
  redisReply* Run(const std::vector<std::string>& argv);

  redisContext* ctx_ = nullptr;
};

namespace internal {

// Helpers shared by the support library's .cc files; not for tests.

// A fresh directory "$TMPDIR/coyotes-test-XXXXXX" (TMPDIR defaults to /tmp).
// Aborts on failure.
std::string MakeTempDir();
// Removes `dir` recursively unless COYOTES_KEEP_TEST_DIRS is set.
void RemoveTempDir(const std::string& dir);
// The whole file, or "" if it cannot be read.
std::string ReadFile(const std::string& path);
// The last `bytes` bytes of the file.
std::string ReadFileTail(const std::string& path, size_t bytes);

struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0] is the executable's path
  int stdin_fd = -1;              // -1: /dev/null
  int stdout_fd = -1;             // -1: /dev/null; stderr goes to the same
  bool new_process_group = false;
  int parent_death_signal = 0;  // PR_SET_PDEATHSIG; 0 for none
};

// fork + execv. The child gets default signal dispositions, an empty signal
// mask and no descriptors but 0, 1 and 2. Everything the child needs is
// prepared before fork; between fork and exec it only makes system calls.
// If exec fails the child writes a line to its stderr and exits 127.
// Returns the pid, or -1 if fork failed.
pid_t SpawnChild(const SpawnSpec& spec);

// Polls waitpid(WNOHANG) until `pid` is reaped (true, status in `*status`
// if not null) or NowSeconds() passes `deadline` (false). A pid that is no
// child of ours (ECHILD) counts as reaped, with status -1.
bool ReapBefore(pid_t pid, double deadline, int* status = nullptr);
// Blocking waitpid; returns the status (-1 on ECHILD).
int ReapBlocking(pid_t pid);

}  // namespace internal

}  // namespace coyotes::testing

#endif  // COYOTES_TESTS_SUPPORT_REDIS_SERVER_H_
