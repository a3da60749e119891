// RedisServer and RedisConn; also the process and file helpers the rest of
// the support library shares (namespace internal).
#include "support/redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/wait.h"

namespace coyotes::testing {

namespace internal {

std::string MakeTempDir() {
  const char* env = std::getenv("TMPDIR");
  std::string base = (env != nullptr && *env != '\0') ? env : "/tmp";
  std::string pattern = base + "/coyotes-test-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    std::fprintf(stderr, "coyotes test support: mkdtemp(%s): %s\n",
                 pattern.c_str(), std::strerror(errno));
    std::abort();
  }
  return std::string(buf.data());
}

void RemoveTempDir(const std::string& dir) {
  if (dir.empty()) return;
  if (std::getenv("COYOTES_KEEP_TEST_DIRS") != nullptr) {
    std::fprintf(stderr, "coyotes test support: keeping %s\n", dir.c_str());
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) {
    std::fprintf(stderr, "coyotes test support: removing %s: %s\n", dir.c_str(),
                 ec.message().c_str());
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string ReadFileTail(const std::string& path, size_t bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  const std::streamoff size = in.tellg();
  if (size <= 0) return "";
  const std::streamoff start = size > static_cast<std::streamoff>(bytes)
                                   ? size - static_cast<std::streamoff>(bytes)
                                   : 0;
  in.seekg(start);
  std::string data(static_cast<size_t>(size - start), '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  return data;
}

pid_t SpawnChild(const SpawnSpec& spec) {
  if (spec.argv.empty()) return -1;
  // Everything the child touches is prepared here, before fork: a forked
  // child of a multithreaded process may only make async-signal-safe calls.
  std::vector<char*> argv;
  argv.reserve(spec.argv.size() + 1);
  for (const std::string& arg : spec.argv) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  const char* path = argv[0];
  const size_t path_len = std::strlen(path);
  static const char kExecFailed[] = "coyotes test support: cannot exec ";

  const int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) return -1;
  // Descriptors at 3 or above, so that the dup2 calls onto 0, 1 and 2
  // cannot overwrite one another.
  const int in_fd =
      fcntl(spec.stdin_fd >= 0 ? spec.stdin_fd : null_fd, F_DUPFD_CLOEXEC, 3);
  const int out_fd =
      fcntl(spec.stdout_fd >= 0 ? spec.stdout_fd : null_fd, F_DUPFD_CLOEXEC, 3);
  close(null_fd);
  if (in_fd < 0 || out_fd < 0) {
    if (in_fd >= 0) close(in_fd);
    if (out_fd >= 0) close(out_fd);
    return -1;
  }
  long open_max = sysconf(_SC_OPEN_MAX);
  if (open_max < 0 || open_max > 65536) open_max = 65536;
  struct sigaction default_action;
  std::memset(&default_action, 0, sizeof(default_action));
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  sigset_t empty_mask;
  sigemptyset(&empty_mask);
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid == 0) {
    for (int sig = 1; sig < NSIG; ++sig) {
      sigaction(sig, &default_action, nullptr);  // fails for KILL/STOP: fine
    }
    sigprocmask(SIG_SETMASK, &empty_mask, nullptr);
    if (spec.new_process_group) setpgid(0, 0);
    if (spec.parent_death_signal != 0) {
      prctl(PR_SET_PDEATHSIG, spec.parent_death_signal);
      if (getppid() != parent) _exit(126);  // the parent died already
    }
    if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0) {
      _exit(126);
    }
    if (close_range(3, ~0U, 0) != 0) {
      for (int fd = 3; fd < open_max; ++fd) close(fd);
    }
    execv(path, argv.data());
    ssize_t ignored = write(2, kExecFailed, sizeof(kExecFailed) - 1);
    ignored = write(2, path, path_len);
    ignored = write(2, "\n", 1);
    (void)ignored;
    _exit(127);
  }
  close(in_fd);
  close(out_fd);
  // Also set the group from the parent, so that the group exists as soon as
  // we return (the classic shell race); whichever call comes second fails
  // harmlessly.
  if (pid > 0 && spec.new_process_group) setpgid(pid, pid);
  return pid;
}

bool ReapBefore(pid_t pid, double deadline, int* status) {
  for (;;) {
    int st = 0;
    const pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) {
      if (status != nullptr) *status = r == pid ? st : -1;
      return true;
    }
    if (NowSeconds() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

int ReapBlocking(pid_t pid) {
  for (;;) {
    int st = 0;
    const pid_t r = waitpid(pid, &st, 0);
    if (r == pid) return st;
    if (r < 0 && errno != EINTR) return -1;
  }
}

}  // namespace internal

namespace {

using internal::ReapBefore;
using internal::ReapBlocking;

constexpr char kRedisServerPath[] = "/usr/bin/redis-server";
constexpr char kRedisSentinelPath[] = "/usr/bin/redis-sentinel";
constexpr double kStartTimeout = 10;
constexpr double kStopTimeout = 10;
constexpr int kPortAttempts = 5;

void SleepSeconds(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

// Binds 127.0.0.1:`port` (0: any) and returns the socket, or -1. The
// bound port is stored in `*bound` when not null.
int BindLoopback(int port, int* bound) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  if (bound != nullptr) *bound = ntohs(addr.sin_port);
  return fd;
}

// A port that was free a moment ago: bind 127.0.0.1:0 and read it back.
// With `cluster_bus`, one whose port + 10000 (Redis Cluster's bus port) was
// free too.
int PickFreePort(bool cluster_bus) {
  constexpr int kBusOffset = 10000;
  for (int attempt = 0; attempt < 100; ++attempt) {
    int port = 0;
    const int fd = BindLoopback(0, &port);
    if (fd < 0) return 0;
    if (!cluster_bus) {
      close(fd);
      return port;
    }
    int bus_fd = -1;
    if (port + kBusOffset <= 65535) {
      bus_fd = BindLoopback(port + kBusOffset, nullptr);
    }
    close(fd);
    if (bus_fd >= 0) {
      close(bus_fd);
      return port;
    }
  }
  return 0;
}

std::string ReplyToString(const redisReply* reply) {
  switch (reply->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      return std::string(reply->str, reply->len);
    case REDIS_REPLY_ERROR:
      return "ERR:" + std::string(reply->str, reply->len);
    case REDIS_REPLY_INTEGER:
      return std::to_string(reply->integer);
    case REDIS_REPLY_NIL:
      return "(nil)";
    case REDIS_REPLY_ARRAY: {
      std::string out;
      for (size_t i = 0; i < reply->elements; ++i) {
        if (i > 0) out += '\n';
        out += ReplyToString(reply->element[i]);
      }
      return out;
    }
    default:
      return "ERR:unknown reply type " + std::to_string(reply->type);
  }
}

std::string JoinArgv(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& arg : argv) {
    if (!out.empty()) out += ' ';
    out += arg;
  }
  return out;
}

timeval ToTimeval(double s) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(s);
  tv.tv_usec =
      static_cast<suseconds_t>((s - static_cast<double>(tv.tv_sec)) * 1e6);
  return tv;
}

// True when the server on `port` answers PING with PONG and is process
// `pid` (so that a foreign server that won a port race is not mistaken for
// ours).
bool PingsAs(int port, const std::string& password, pid_t pid) {
  redisContext* ctx =
      redisConnectWithTimeout("127.0.0.1", port, ToTimeval(0.2));
  if (ctx == nullptr) return false;
  bool ok = false;
  if (ctx->err == 0 && redisSetTimeout(ctx, ToTimeval(2)) == REDIS_OK) {
    ok = true;
    if (!password.empty()) {
      auto* r = static_cast<redisReply*>(
          redisCommand(ctx, "AUTH %b", password.data(), password.size()));
      ok = r != nullptr && r->type == REDIS_REPLY_STATUS;
      if (r != nullptr) freeReplyObject(r);
    }
    if (ok) {
      auto* r = static_cast<redisReply*>(redisCommand(ctx, "PING"));
      ok = r != nullptr && r->type == REDIS_REPLY_STATUS &&
           std::string(r->str, r->len) == "PONG";
      if (r != nullptr) freeReplyObject(r);
    }
    if (ok) {
      auto* r = static_cast<redisReply*>(redisCommand(ctx, "INFO server"));
      ok = false;
      if (r != nullptr && r->type == REDIS_REPLY_STRING) {
        const std::string info(r->str, r->len);
        const std::string key = "\nprocess_id:";
        const size_t at = info.find(key);
        if (at != std::string::npos) {
          ok = std::atoll(info.c_str() + at + key.size()) == pid;
        }
      }
      if (r != nullptr) freeReplyObject(r);
    }
  }
  redisFree(ctx);
  return ok;
}

}  // namespace

std::unique_ptr<RedisServer> RedisServer::Start(
    const RedisServerOptions& options) {
  std::unique_ptr<RedisServer> server(new RedisServer());
  server->options_ = options;
  server->dir_ = internal::MakeTempDir();
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    server->port_ = PickFreePort(options.cluster_bus);
    if (server->port_ == 0) server->Die("cannot pick a free port");
    server->Spawn();
    switch (server->WaitUp(NowSeconds() + kStartTimeout)) {
      case UpResult::kUp:
        return server;
      case UpResult::kExited:
        continue;  // most likely lost a race for the port: try another
      case UpResult::kTimeout:
        server->Die("no PING answer within 10 s");
    }
  }
  server->Die("redis-server exited right after starting, " +
              std::to_string(kPortAttempts) + " times");
}

RedisServer::~RedisServer() {
  // SIGKILL rather than Stop(): the data is about to be deleted, and
  // redis-server only acts on SIGTERM at its next cron tick (up to 100 ms).
  // With appendfsync always, a kept directory still has every write.
  Kill();
  internal::RemoveTempDir(dir_);
}

std::string RedisServer::addr() const {
  return "127.0.0.1:" + std::to_string(port_);
}

std::string RedisServer::log_path() const { return dir_ + "/redis.log"; }

std::string RedisServer::LogTail(size_t bytes) const {
  return internal::ReadFileTail(log_path(), bytes);
}

void RedisServer::Spawn() {
  internal::SpawnSpec spec;
  if (options_.sentinel) {
    const std::string conf = dir_ + "/sentinel.conf";
    if (access(conf.c_str(), F_OK) != 0) {
      FILE* f = std::fopen(conf.c_str(), "w");
      if (f == nullptr) Die("cannot write " + conf);
      std::fputs(options_.sentinel_config.c_str(), f);
      std::fclose(f);
    }
    spec.argv = {
        kRedisSentinelPath, conf,        "--port",    std::to_string(port_),
        "--bind",           "127.0.0.1", "--dir",     dir_,
        "--daemonize",      "no",        "--logfile", log_path()};
  } else {
    spec.argv = {kRedisServerPath, "--port", std::to_string(port_), "--bind",
                 "127.0.0.1", "--dir", dir_, "--save", "", "--appendonly",
                 options_.appendonly ? "yes" : "no", "--appendfsync", "always",
                 "--daemonize", "no", "--logfile", log_path(), "--unixsocket",
                 socket_path(), "--unixsocketperm", "700",
                 // Lets tests stall the server with DEBUG SLEEP.
                 "--enable-debug-command", "local"};
  }
  spec.argv.insert(spec.argv.end(), options_.extra_args.begin(),
                   options_.extra_args.end());
  if (!options_.password.empty()) {
    spec.argv.push_back("--requirepass");
    spec.argv.push_back(options_.password);
  }
  const int log_fd =
      open(log_path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) Die("cannot open " + log_path() + ": " + strerror(errno));
  spec.stdout_fd = log_fd;
  // If the test binary dies abruptly, the server goes with it.
  spec.parent_death_signal = SIGKILL;
  pid_ = internal::SpawnChild(spec);
  close(log_fd);
  if (pid_ < 0) Die(std::string("fork: ") + strerror(errno));
}

RedisServer::UpResult RedisServer::WaitUp(double deadline) {
  for (;;) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return UpResult::kExited;
    }
    if (PingsAs(port_, options_.password, pid_)) return UpResult::kUp;
    if (NowSeconds() >= deadline) return UpResult::kTimeout;
    SleepSeconds(0.01);
  }
}

void RedisServer::Die(const std::string& why) const {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    ReapBlocking(pid_);
  }
  std::fprintf(stderr,
               "coyotes test support: redis-server on port %d (dir %s): %s\n"
               "---- redis.log tail ----\n%s\n------------------------\n",
               port_, dir_.c_str(), why.c_str(), LogTail().c_str());
  std::abort();
}

void RedisServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  if (!ReapBefore(pid_, NowSeconds() + kStopTimeout)) {
    std::fprintf(stderr,
                 "coyotes test support: redis-server %d ignored SIGTERM for "
                 "10 s; killing it\n",
                 static_cast<int>(pid_));
    kill(pid_, SIGKILL);
    ReapBlocking(pid_);
  }
  pid_ = -1;
}

void RedisServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  ReapBlocking(pid_);
  pid_ = -1;
}

void RedisServer::Restart() {
  Stop();
  const double deadline = NowSeconds() + kStartTimeout;
  for (;;) {
    Spawn();
    switch (WaitUp(deadline)) {
      case UpResult::kUp:
        return;
      case UpResult::kExited:
        // The port may be held briefly by someone else: retry until the
        // deadline, since the port must stay the same.
        if (NowSeconds() >= deadline) {
          Die("restart: redis-server keeps exiting on its old port");
        }
        SleepSeconds(0.05);
        continue;
      case UpResult::kTimeout:
        Die("restart: no PING answer within 10 s");
    }
  }
}

std::unique_ptr<RedisConn> RedisServer::Connect() const {
  return RedisConn::Open(port_, options_.password);
}

// ---------------------------------------------------------------------------
// RedisConn

std::unique_ptr<RedisConn> RedisConn::Open(int port,
                                           const std::string& password,
                                           double timeout_s) {
  redisContext* ctx =
      redisConnectWithTimeout("127.0.0.1", port, ToTimeval(timeout_s));
  std::unique_ptr<RedisConn> conn(new RedisConn(ctx));
  if (ctx == nullptr) {
    ADD_FAILURE() << "redis connect to port " << port << ": out of memory";
    return conn;
  }
  if (ctx->err != 0) {
    ADD_FAILURE() << "redis connect to port " << port << ": " << ctx->errstr;
    return conn;
  }
  // Bounded, so that a test waiting on a blocking command cannot hang.
  redisSetTimeout(ctx, ToTimeval(30));
  if (!password.empty()) {
    const std::string reply = conn->Cmd({"AUTH", password});
    if (reply != "OK") ADD_FAILURE() << "redis AUTH: " << reply;
  }
  return conn;
}

RedisConn::~RedisConn() {
  if (ctx_ != nullptr) redisFree(ctx_);
}

bool RedisConn::ok() const { return ctx_ != nullptr && ctx_->err == 0; }

redisReply* RedisConn::Run(const std::vector<std::string>& argv) {
  if (!ok() || argv.empty()) return nullptr;
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (const std::string& arg : argv) {
    ptrs.push_back(arg.data());
    lens.push_back(arg.size());
  }
  return static_cast<redisReply*>(redisCommandArgv(
      ctx_, static_cast<int>(argv.size()), ptrs.data(), lens.data()));
}

std::string RedisConn::Cmd(std::vector<std::string> argv) {
  redisReply* reply = Run(argv);
  if (reply == nullptr) {
    if (argv.empty()) return "ERR:empty command";
    return std::string("ERR:io: ") +
           (ctx_ != nullptr ? ctx_->errstr : "no connection");
  }
  std::string out = ReplyToString(reply);
  freeReplyObject(reply);
  return out;
}

long long RedisConn::Int(std::vector<std::string> argv) {
  redisReply* reply = Run(argv);
  if (reply == nullptr) {
    ADD_FAILURE() << "redis " << JoinArgv(argv) << ": I/O error: "
                  << (ctx_ != nullptr ? ctx_->errstr : "no connection");
    return -1;
  }
  long long value = -1;
  switch (reply->type) {
    case REDIS_REPLY_INTEGER:
      value = reply->integer;
      break;
    case REDIS_REPLY_NIL:
      value = 0;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS: {
      const std::string text(reply->str, reply->len);
      char* end = nullptr;
      errno = 0;
      const long long parsed = std::strtoll(text.c_str(), &end, 10);
      if (!text.empty() && errno == 0 && end == text.c_str() + text.size()) {
        value = parsed;
      } else {
        ADD_FAILURE() << "redis " << JoinArgv(argv)
                      << ": not an integer: " << text;
      }
      break;
    }
    default:
      ADD_FAILURE() << "redis " << JoinArgv(argv)
                    << ": not an integer reply: " << ReplyToString(reply);
  }
  freeReplyObject(reply);
  return value;
}

std::vector<std::string> RedisConn::List(std::vector<std::string> argv) {
  redisReply* reply = Run(argv);
  if (reply == nullptr) {
    ADD_FAILURE() << "redis " << JoinArgv(argv) << ": I/O error: "
                  << (ctx_ != nullptr ? ctx_->errstr : "no connection");
    return {};
  }
  std::vector<std::string> out;
  switch (reply->type) {
    case REDIS_REPLY_ARRAY:
      out.reserve(reply->elements);
      for (size_t i = 0; i < reply->elements; ++i) {
        out.push_back(ReplyToString(reply->element[i]));
      }
      break;
    case REDIS_REPLY_NIL:
      break;
    case REDIS_REPLY_ERROR:
      ADD_FAILURE() << "redis " << JoinArgv(argv) << ": "
                    << ReplyToString(reply);
      break;
    default:
      out.push_back(ReplyToString(reply));
  }
  freeReplyObject(reply);
  return out;
}

long long RedisConn::LLen(const std::string& key) { return Int({"LLEN", key}); }

void RedisConn::PipelineLPush(const std::string& key,
                              const std::vector<std::string>& values,
                              size_t batch) {
  if (batch == 0) batch = 1;
  if (!ok()) {
    ADD_FAILURE() << "redis PipelineLPush " << key << ": not connected";
    return;
  }
  bool reported = false;  // one failure per call, not one per value
  for (size_t begin = 0; begin < values.size(); begin += batch) {
    const size_t end = std::min(values.size(), begin + batch);
    for (size_t i = begin; i < end; ++i) {
      const char* argv[3] = {"LPUSH", key.data(), values[i].data()};
      const size_t lens[3] = {5, key.size(), values[i].size()};
      if (redisAppendCommandArgv(ctx_, 3, argv, lens) != REDIS_OK) {
        ADD_FAILURE() << "redis PipelineLPush " << key << ": " << ctx_->errstr;
        return;
      }
    }
    for (size_t i = begin; i < end; ++i) {
      void* raw = nullptr;
      if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
        ADD_FAILURE() << "redis PipelineLPush " << key << ": " << ctx_->errstr;
        return;
      }
      auto* reply = static_cast<redisReply*>(raw);
      if (reply->type == REDIS_REPLY_ERROR && !reported) {
        reported = true;
        ADD_FAILURE() << "redis PipelineLPush " << key << ": "
                      << ReplyToString(reply);
      }
      freeReplyObject(reply);
    }
  }
}

}  // namespace coyotes::testing
