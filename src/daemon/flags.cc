// The flag table. Names, meanings and defaults of the original program's
// flags are kept (gflags accepts -redis-host and --redis-host alike); the
// rest extend it. ConfigFromFlags is the only reader of FLAGS_ variables.
#include "daemon/flags.h"

#include <gflags/gflags.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "base/channel_name.h"
#include "base/http_url.h"
#include "base/secret_file.h"
#include "task/limits.h"
#include "task/schedule.h"

// The original program's flags.
DEFINE_string(channel_default, "default", "default channel (queue) name");
DEFINE_bool(colorful_tty, false,
            "colour log levels when standard error is a terminal");
DEFINE_int32(concurrent, 5, "number of workers per channel");
DEFINE_string(host, "127.0.0.1:6379", "deprecated alias of --redis-host");
DEFINE_string(http_addr, "127.0.0.1:60001",
              "listen address of the HTTP API, host:port (empty: no HTTP)");
DEFINE_string(http_token_file, "",
              "file of bearer tokens the HTTP API requires (one per line, "
              "'read' after a read-only one; re-read on HUP)");
DEFINE_bool(http_insecure, false,
            "allow --http-addr outside the loopback without "
            "--http-token-file");
DEFINE_string(password, "", "deprecated alias of --redis-password");
DEFINE_string(pidfile, "/tmp/coyotes.pid", "pid file path");
DEFINE_int32(redis_db, 0, "Redis database number");
DEFINE_string(redis_host, "127.0.0.1:6379",
              "Redis address, host:port or unix:/path/to/redis.sock");
DEFINE_string(redis_password, "", "Redis password");
DEFINE_string(redis_password_file, "",
              "file holding the Redis password (read once at start; not "
              "readable by others)");
DEFINE_double(redis_wait, 5,
              "seconds an HTTP request that needs Redis waits for the "
              "connection while it is being made (0: 503 at once)");
DEFINE_string(redis_sentinel, "",
              "HOST:PORT[,HOST:PORT...]: ask these Redis sentinels for the "
              "master's address (with --redis-master-name)");
DEFINE_string(redis_master_name, "",
              "the master's name the sentinels know (with --redis-sentinel)");
DEFINE_string(redis_sentinel_password, "", "password of the sentinels");
DEFINE_string(redis_sentinel_password_file, "",
              "file holding the sentinels' password (read once at start; "
              "not readable by others)");
DEFINE_int32(redis_wait_replicas, 0,
             "replicas that must confirm the steps that accept a task or "
             "record its end (Redis WAIT; 0: do not wait)");
DEFINE_int32(redis_wait_timeout, 100,
             "milliseconds to wait for --redis-wait-replicas; then the step "
             "counts anyway, with a warning");
DEFINE_string(redis_user, "",
              "Redis ACL user (AUTH user password; needs a password)");
DEFINE_string(user, "",
              "NAME[:GROUP]: started as root, drop to this user after "
              "binding and reading secrets; workers too");
DEFINE_bool(task_mode, true,
            "run tasks; false: only serve HTTP and route tasks to channels");

// Extensions.
DEFINE_double(shutdown_timeout, 0,
              "seconds a drain may take before running tasks are stopped "
              "(0: wait forever)");
DEFINE_double(kill_grace, 3,
              "seconds between SIGTERM and SIGKILL when a task is stopped");
DEFINE_string(namespace, "", "prefix of every Redis key the daemon owns");
DEFINE_int64(max_task_bytes, 1 << 20,
             "largest producer item accepted, in bytes");
DEFINE_int32(max_channels, 64, "most channels, the default one included");
DEFINE_int64(output_tail, 65536,
             "bytes of stdout and of stderr kept per task (the last ones)");
DEFINE_double(task_timeout, 0, "default task timeout in seconds (0: none)");
DEFINE_string(task_limits, "",
              "resource limits of every task, e.g. cpu=600,memory=2G (keys "
              "cpu, memory, nofile, nproc, fsize, core; core is 0 unless "
              "given)");
DEFINE_int64(result_ttl, 7 * 24 * 3600,
             "seconds a finished task's record is kept");
DEFINE_double(lease_ttl, 3,
              "seconds after which a silent worker is presumed dead");
DEFINE_int64(http_max_body, 1 << 20, "largest HTTP request body, in bytes");
DEFINE_int32(retry_default, 0,
             "runs allowed after a failed first one, for tasks and channels "
             "that set none");
DEFINE_double(retry_min_delay, 1, "seconds before the first retry");
DEFINE_double(retry_max_delay, 300, "most seconds between two retries");
DEFINE_int64(failed_max, 10000,
             "failed tasks kept per channel (the oldest are dropped)");
DEFINE_int64(failed_ttl, 7 * 24 * 3600,
             "seconds a failed task is kept in its channel's failed set");
DEFINE_double(callback_timeout, 10,
              "seconds a completion callback's receiver has to answer");
DEFINE_int64(callback_max_age, 86400,
             "seconds after a task's end during which its callback is tried "
             "again; then it is given up");
DEFINE_int32(callback_concurrency, 16,
             "completion callbacks this daemon sends at once");
DEFINE_string(callback_hosts, "",
              "comma-separated hosts that callback URLs may name (names, "
              "addresses, *.domain); empty: any");
DEFINE_string(callback_secret_file, "",
              "file whose content (one line) keys the HMAC-SHA256 "
              "X-Coyotes-Signature of every callback");
DEFINE_string(schedule_file, "",
              "crontab-like file of schedules, loaded at start and on HUP");
DEFINE_double(pipe_grace, 2,
              "seconds to wait for a task's output pipes after it exits");

namespace google {
// gflags exits 1 on an unknown flag or a bad value; our usage errors exit 2.
extern void (*gflags_exitfunc)(int);
}  // namespace google

namespace coyotes {

const char kVersion[] = PACKAGE_VERSION;

namespace {

Status FlagError(const char* flag, const std::string& what) {
  return InvalidArgument(std::string("--") + flag + ": " + what);
}

bool IsDefault(const char* name) {
  gflags::CommandLineFlagInfo info;
  return !gflags::GetCommandLineFlagInfo(name, &info) || info.is_default;
}

Status CheckSeconds(const char* flag, double v, double max) {
  if (!std::isfinite(v) || v < 0 || v > max)
    return FlagError(flag, "must be a number of seconds from 0 to " +
                               std::to_string(static_cast<long>(max)));
  return Status::Ok();
}

// Reads a password from `path` (when given) into *password, which must
// still be empty: a flag and its -file form are not given together.
Status PasswordFromFile(const char* flag, const std::string& path,
                        const char* other, std::string* password) {
  if (path.empty()) return Status::Ok();
  if (!password->empty())
    return FlagError(flag, std::string("give it or ") + other + ", not both");
  auto content = ReadSecretFile(path);
  if (!content.ok()) return FlagError(flag, content.status().message());
  auto line = SecretLine(content.value());
  if (!line.ok())
    return FlagError(flag,
                     path + ": the password is " + line.status().message());
  *password = line.value();
  return Status::Ok();
}

// --redis-sentinel and its companions. With sentinels the master's address
// comes from them, so --redis-host may not be given too: which one would
// win is a question we would rather not answer silently.
Status SentinelFromFlags(Config* c) {
  c->redis_sentinel_password = FLAGS_redis_sentinel_password;
  if (Status s = PasswordFromFile(
          "redis-sentinel-password-file", FLAGS_redis_sentinel_password_file,
          "--redis-sentinel-password", &c->redis_sentinel_password);
      !s.ok())
    return s;
  c->redis_master_name = FLAGS_redis_master_name;
  if (FLAGS_redis_sentinel.empty()) {
    if (!c->redis_master_name.empty())
      return FlagError("redis-master-name", "needs --redis-sentinel");
    if (!c->redis_sentinel_password.empty())
      return FlagError(IsDefault("redis_sentinel_password")
                           ? "redis-sentinel-password-file"
                           : "redis-sentinel-password",
                       "needs --redis-sentinel");
    return Status::Ok();
  }
  if (!IsDefault("redis_host") || !IsDefault("host"))
    return FlagError("redis-sentinel",
                     "the sentinels name the master: give it or "
                     "--redis-host, not both");
  if (c->redis_master_name.empty())
    return FlagError("redis-sentinel", "needs --redis-master-name");
  for (char ch : c->redis_master_name)
    if (static_cast<unsigned char>(ch) <= ' ' || ch == 0x7f)
      return FlagError("redis-master-name", "must not hold blanks or controls");
  std::stringstream list(FLAGS_redis_sentinel);
  std::string item;
  while (std::getline(list, item, ',')) {
    auto addr = ParseRedisAddr(item);
    if (!addr.ok()) return FlagError("redis-sentinel", addr.status().message());
    c->redis_sentinels.push_back(addr.value());
  }
  if (c->redis_sentinels.empty() || FLAGS_redis_sentinel.back() == ',')
    return FlagError("redis-sentinel",
                     "'" + FLAGS_redis_sentinel +
                         "' is not a list of HOST:PORT separated by commas");
  return Status::Ok();
}

// The flags of this file, in table order, for --help.
bool IsOurFlag(const gflags::CommandLineFlagInfo& f) {
  return f.filename == __FILE__;  // not gflags.cc's own --fromenv etc.
}

}  // namespace

Status ConfigFromFlags(Config* c) {
  c->channel_default = FLAGS_channel_default;
  if (!IsValidChannelName(c->channel_default))
    return FlagError("channel-default", "'" + c->channel_default +
                                            "' is not a valid channel name "
                                            "([A-Za-z0-9_.:-], 1 to 64)");
  c->colorful_tty = FLAGS_colorful_tty;
  c->concurrent = FLAGS_concurrent;
  if (c->concurrent < 1 || c->concurrent > 1024)
    return FlagError("concurrent", "must be from 1 to 1024, not " +
                                       std::to_string(c->concurrent));

  // --host and --password are the original's deprecated spellings.
  c->redis_host_text = FLAGS_redis_host;
  if (!IsDefault("host") && IsDefault("redis_host"))
    c->redis_host_text = FLAGS_host;
  auto redis = ParseRedisAddr(c->redis_host_text);
  if (!redis.ok())
    return FlagError(
        IsDefault("redis_host") && !IsDefault("host") ? "host" : "redis-host",
        redis.status().message());
  c->redis_addr = redis.value();
  c->redis_password = FLAGS_redis_password;
  if (!IsDefault("password") && IsDefault("redis_password"))
    c->redis_password = FLAGS_password;
  if (Status s =
          PasswordFromFile("redis-password-file", FLAGS_redis_password_file,
                           "--redis-password", &c->redis_password);
      !s.ok())
    return s;
  c->redis_user = FLAGS_redis_user;
  if (!c->redis_user.empty()) {
    for (char ch : c->redis_user)
      if (static_cast<unsigned char>(ch) <= ' ' || ch == 0x7f)
        return FlagError("redis-user", "must not hold blanks or controls");
    if (c->redis_password.empty())
      return FlagError("redis-user",
                       "needs --redis-password or --redis-password-file");
  }
  if (Status s = CheckSeconds("redis-wait", FLAGS_redis_wait, 300); !s.ok())
    return s;
  c->redis_wait_s = FLAGS_redis_wait;
  if (Status s = SentinelFromFlags(c); !s.ok()) return s;
  if (FLAGS_redis_wait_replicas < 0 || FLAGS_redis_wait_replicas > 64)
    return FlagError("redis-wait-replicas",
                     "must be from 0 to 64, not " +
                         std::to_string(FLAGS_redis_wait_replicas));
  c->redis_wait_replicas = FLAGS_redis_wait_replicas;
  if (FLAGS_redis_wait_timeout < 1 || FLAGS_redis_wait_timeout > 60000)
    return FlagError("redis-wait-timeout",
                     "must be from 1 to 60000 milliseconds, not " +
                         std::to_string(FLAGS_redis_wait_timeout));
  c->redis_wait_timeout_ms = FLAGS_redis_wait_timeout;
  c->redis_db = FLAGS_redis_db;
  if (c->redis_db < 0) return FlagError("redis-db", "must not be negative");

  c->http_addr_text = FLAGS_http_addr;
  if (!c->http_addr_text.empty()) {
    auto http = ParseHostPort(c->http_addr_text);
    if (!http.ok()) return FlagError("http-addr", http.status().message());
    c->http_addr = http.value();
    c->http_token_file = FLAGS_http_token_file;
    c->http_insecure = FLAGS_http_insecure;
    // Anyone who reaches the port can run commands: outside the loopback
    // that needs tokens, or an explicit "I know".
    if (!IsLoopbackHost(c->http_addr.host) && c->http_token_file.empty() &&
        !c->http_insecure)
      return FlagError("http-addr",
                       "'" + c->http_addr_text +
                           "' is outside the loopback: anyone who reaches it "
                           "could run commands; give --http-token-file, or "
                           "--http-insecure to accept that");
  }
  c->user = FLAGS_user;
  if (!IsDefault("user") && c->user.empty())
    return FlagError("user", "must name a user");
  if (auto l = LimitsFromFlag(FLAGS_task_limits); !l.ok())
    return FlagError("task-limits", l.status().message());
  c->task_limits = FLAGS_task_limits;
  c->pidfile = FLAGS_pidfile;
  if (c->pidfile.empty()) return FlagError("pidfile", "must not be empty");
  c->task_mode = FLAGS_task_mode;

  Status s = CheckSeconds("shutdown-timeout", FLAGS_shutdown_timeout, 1e7);
  if (!s.ok()) return s;
  c->shutdown_timeout_s = FLAGS_shutdown_timeout;
  s = CheckSeconds("kill-grace", FLAGS_kill_grace, 3600);
  if (!s.ok()) return s;
  c->kill_grace_s = FLAGS_kill_grace;
  s = CheckSeconds("task-timeout", FLAGS_task_timeout, 1e7);
  if (!s.ok()) return s;
  c->task_timeout_s = FLAGS_task_timeout;
  s = CheckSeconds("pipe-grace", FLAGS_pipe_grace, 3600);
  if (!s.ok()) return s;
  c->pipe_grace_s = FLAGS_pipe_grace;
  s = CheckSeconds("lease-ttl", FLAGS_lease_ttl, 3600);
  if (!s.ok()) return s;
  if (FLAGS_lease_ttl < 0.3)
    return FlagError("lease-ttl", "must be at least 0.3 seconds");
  c->lease_ttl_s = FLAGS_lease_ttl;

  c->key_namespace = FLAGS_namespace;
  if (!c->key_namespace.empty() && !IsValidChannelName(c->key_namespace))
    return FlagError("namespace", "'" + c->key_namespace +
                                      "' must be [A-Za-z0-9_.:-], 1 to 64");
  if (FLAGS_max_task_bytes < 64 || FLAGS_max_task_bytes > (512 << 20))
    return FlagError("max-task-bytes", "must be from 64 to 536870912");
  c->max_task_bytes = FLAGS_max_task_bytes;
  if (FLAGS_max_channels < 1 || FLAGS_max_channels > 4096)
    return FlagError("max-channels", "must be from 1 to 4096");
  c->max_channels = FLAGS_max_channels;
  if (FLAGS_output_tail < 0 || FLAGS_output_tail > (64 << 20))
    return FlagError("output-tail", "must be from 0 to 67108864");
  c->output_tail = FLAGS_output_tail;
  if (FLAGS_result_ttl < 1)
    return FlagError("result-ttl", "must be at least 1 second");
  c->result_ttl_s = FLAGS_result_ttl;
  if (FLAGS_retry_default < 0 || FLAGS_retry_default > 100)
    return FlagError("retry-default", "must be from 0 to 100");
  c->retry_default = FLAGS_retry_default;
  s = CheckSeconds("retry-min-delay", FLAGS_retry_min_delay, 86400);
  if (!s.ok()) return s;
  s = CheckSeconds("retry-max-delay", FLAGS_retry_max_delay, 7 * 86400);
  if (!s.ok()) return s;
  if (FLAGS_retry_max_delay < FLAGS_retry_min_delay)
    return FlagError("retry-max-delay", "must not be below --retry-min-delay");
  c->retry_min_delay_s = FLAGS_retry_min_delay;
  c->retry_max_delay_s = FLAGS_retry_max_delay;
  if (FLAGS_failed_max < 0 || FLAGS_failed_max > 10000000)
    return FlagError("failed-max", "must be from 0 to 10000000");
  c->failed_max = FLAGS_failed_max;
  if (FLAGS_failed_ttl < 1)
    return FlagError("failed-ttl", "must be at least 1 second");
  c->failed_ttl_s = FLAGS_failed_ttl;
  if (!std::isfinite(FLAGS_callback_timeout) || FLAGS_callback_timeout < 0.1 ||
      FLAGS_callback_timeout > 3600)
    return FlagError("callback-timeout", "must be from 0.1 to 3600 seconds");
  c->callback_timeout_s = FLAGS_callback_timeout;
  if (FLAGS_callback_max_age < 1 || FLAGS_callback_max_age > 365 * 86400)
    return FlagError("callback-max-age", "must be from 1 to 31536000 seconds");
  c->callback_max_age_s = FLAGS_callback_max_age;
  if (FLAGS_callback_concurrency < 1 || FLAGS_callback_concurrency > 1024)
    return FlagError("callback-concurrency", "must be from 1 to 1024");
  c->callback_concurrency = FLAGS_callback_concurrency;
  c->callback_hosts.clear();
  for (size_t at = 0; at <= FLAGS_callback_hosts.size();) {
    size_t comma = FLAGS_callback_hosts.find(',', at);
    if (comma == std::string::npos) comma = FLAGS_callback_hosts.size();
    std::string h = FLAGS_callback_hosts.substr(at, comma - at);
    at = comma + 1;
    if (h.empty()) continue;
    // Checked as a URL's host would be: the whole entry must be the host.
    std::string name = h.compare(0, 2, "*.") == 0 ? h.substr(2) : h;
    std::string authority =
        name.find(':') != std::string::npos ? "[" + name + "]" : name;
    auto u = ParseHttpUrl("http://" + authority);
    if (!u.ok() || u->authority != authority || u->path != "/")
      return FlagError("callback-hosts", "'" + h + "' is not a host name");
    c->callback_hosts.push_back(h);
  }
  if (!FLAGS_callback_secret_file.empty()) {
    auto content = ReadSecretFile(FLAGS_callback_secret_file);
    if (!content.ok())
      return FlagError("callback-secret-file", content.status().message());
    auto line = SecretLine(content.value());
    if (!line.ok())
      return FlagError("callback-secret-file", FLAGS_callback_secret_file +
                                                   ": the secret is " +
                                                   line.status().message());
    c->callback_secret = line.value();
  }
  if (!FLAGS_schedule_file.empty()) {
    // Checked now, so that a bad line stops the start (exit 2) with its
    // number; the master reads it again to load it.
    ProducerLimits limits{c->channel_default, c->max_task_bytes};
    auto file = ReadScheduleFile(FLAGS_schedule_file, limits, 0);
    if (!file.ok()) return FlagError("schedule-file", file.status().message());
    c->schedule_file = FLAGS_schedule_file;
  }
  if (FLAGS_http_max_body < 1024 || FLAGS_http_max_body > (512 << 20))
    return FlagError("http-max-body", "must be from 1024 to 536870912");
  c->http_max_body = FLAGS_http_max_body;
  return Status::Ok();
}

std::string UsageText() {
  std::ostringstream out;
  out << "usage: coyotes [--flag=value ...]\n"
         "Runs shell commands queued in Redis, with bounded concurrency per "
         "channel.\n\nOptions (also -flag=value; see coyotes(8)):\n";
  std::vector<gflags::CommandLineFlagInfo> flags;
  gflags::GetAllFlags(&flags);
  for (const auto& f : flags) {
    if (!IsOurFlag(f)) continue;
    std::string name = f.name;
    for (char& ch : name)
      if (ch == '_') ch = '-';
    out << "  --" << name;
    if (f.type != "bool") out << "=" << f.type;
    out << "\n      " << f.description << " (default "
        << (f.type == "string" ? "\"" + f.default_value + "\""
                               : f.default_value)
        << ")\n";
  }
  out << "  --flagfile=FILE\n      read flags from FILE, one per line\n"
         "  --log_dir=DIR\n      write log files to DIR instead of stderr\n"
         "  --v=N\n      verbose logging level\n"
         "  --version\n      print the version and exit\n"
         "  --help\n      print this text and exit\n";
  return out.str();
}

Config ParseCommandLineOrExit(int* argc, char*** argv,
                              std::vector<std::string>* warnings) {
  for (int i = 1; i < *argc; i++) {
    const char* a = (*argv)[i];
    if (std::strcmp(a, "--") == 0) break;
    if (!std::strcmp(a, "-h") || !std::strcmp(a, "-help") ||
        !std::strcmp(a, "--help")) {
      std::fputs(UsageText().c_str(), stdout);
      std::exit(0);
    }
    if (!std::strcmp(a, "-version") || !std::strcmp(a, "--version")) {
      std::printf("coyotes %s\n", kVersion);
      std::exit(0);
    }
  }
  google::gflags_exitfunc = [](int code) { std::exit(code == 0 ? 0 : 2); };
  gflags::SetUsageMessage("see coyotes --help");
  gflags::SetVersionString(kVersion);
  gflags::ParseCommandLineFlags(argc, argv, true);
  if (*argc > 1) {
    std::fprintf(stderr,
                 "coyotes: unexpected argument '%s' (flags are "
                 "--name=value)\n",
                 (*argv)[1]);
    std::exit(2);
  }
  Config config;
  Status s = ConfigFromFlags(&config);
  if (!s.ok()) {
    std::fprintf(stderr, "coyotes: %s\n", s.message().c_str());
    std::exit(2);
  }
  if (!IsDefault("host"))
    warnings->push_back("--host is deprecated, use --redis-host");
  if (!IsDefault("password"))
    warnings->push_back("--password is deprecated, use --redis-password");
  return config;
}

}  // namespace coyotes
