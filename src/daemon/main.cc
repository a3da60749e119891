// coyotes: a Redis-backed daemon that runs shell commands asynchronously,
// with bounded concurrency per channel. main() does the start-up steps in
// order (flags, logging, pid file, Redis, channels) and hands over to the
// master's loop; see HACKING.md for the map.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>

#include "base/channel_name.h"
#include "base/exit_status.h"
#include "base/log.h"
#include "daemon/flags.h"
#include "daemon/master.h"
#include "daemon/pidfile.h"
#include "daemon/privileges.h"
#include "daemon/router.h"
#include "http/auth.h"
#include "store/redis_client.h"
#include "store/redis_keys.h"

namespace coyotes {
namespace {

volatile sig_atomic_t g_stop_waiting = 0;
void OnStartupSignal(int) { g_stop_waiting = 1; }

// Redis must answer before the daemon starts. An unreachable Redis is
// waited for (with back-off, one log line per attempt); a refused password
// is a configuration error. A stop signal ends the wait.
Result<RedisClient> ConnectAtStart(const Config& config) {
  struct sigaction sa = {}, old_int, old_term, old_usr2;
  sa.sa_handler = OnStartupSignal;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  sigaction(SIGUSR2, &sa, &old_usr2);
  RedisTarget target = RedisTargetOf(config);
  double delay = 0.2;
  Result<RedisClient> result = Unavailable("not tried");
  for (int attempt = 1;; attempt++) {
    result = RedisClient::Connect(target, 2.0);
    if (result.ok()) {
      auto pong = result->Command({"PING"});
      if (pong.ok()) break;
      result = pong.status();
    }
    if (result.status().code() == StatusCode::kPermissionDenied) break;
    LOGR(WARNING) << "Redis at " << RedisWhere(config)
                  << " unreachable (attempt " << attempt
                  << "): " << result.status().message() << "; retrying in "
                  << delay << "s";
    for (int i = 0; i < delay * 10 && !g_stop_waiting; i++) usleep(100000);
    if (g_stop_waiting) {
      result =
          Status(StatusCode::kUnavailable, "stopped while waiting for Redis");
      break;
    }
    delay = std::min(delay * 2, 10.0);
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  sigaction(SIGUSR2, &old_usr2, nullptr);
  return result;
}

// BLMOVE, which the queue protocol relies on, came with Redis 6.2.
Status CheckRedisVersion(RedisClient* redis) {
  auto info = redis->Command({"INFO", "server"});
  if (!info.ok()) return info.status();
  std::string text = ReplyString(info.value().get());
  size_t at = text.find("redis_version:");
  if (at == std::string::npos) return Status::Ok();
  int major = 0, minor = 0;
  sscanf(text.c_str() + at + 14, "%d.%d", &major, &minor);
  if (major < 6 || (major == 6 && minor < 2))
    return InvalidArgument("Redis " + std::to_string(major) + "." +
                           std::to_string(minor) +
                           " is too old: coyotes needs Redis 6.2 or later");
  return Status::Ok();
}

// Makes sure the default channel exists and loads every persisted one.
Result<std::map<std::string, ChannelSettings>> LoadChannels(
    RedisClient* redis, const Config& config) {
  RedisKeys keys(config.key_namespace);
  auto set = redis->Command({"HSETNX", keys.Channels(), config.channel_default,
                             DefaultChannelSettings(config)});
  if (!set.ok()) return set.status();
  auto all = redis->Command({"HGETALL", keys.Channels()});
  if (!all.ok()) return all.status();
  std::map<std::string, ChannelSettings> channels;
  const redisReply* r = all.value().get();
  for (size_t i = 0; i + 1 < r->elements; i += 2) {
    std::string name(r->element[i]->str, r->element[i]->len);
    if (!IsValidChannelName(name)) continue;
    channels[name] = ParseChannelSettings(
        std::string(r->element[i + 1]->str, r->element[i + 1]->len),
        config.concurrent);
  }
  return channels;
}

int Main(int argc, char** argv) {
  std::vector<std::string> warnings;
  Config config = ParseCommandLineOrExit(&argc, &argv, &warnings);
  InitLogging(argv[0], config.colorful_tty);
  for (const auto& w : warnings) LOGR(WARNING) << w;
  // --user is resolved before anything is started, so that a typo is an
  // exit 2 and not a daemon that half started.
  std::optional<RunAs> run_as;
  if (!config.user.empty()) {
    auto who = ResolveRunAs(config.user);
    if (!who.ok()) {
      std::fprintf(stderr, "coyotes: --user: %s\n",
                   who.status().message().c_str());
      return kExitUsage;
    }
    if (geteuid() != 0 && who->uid != geteuid()) {
      std::fprintf(stderr,
                   "coyotes: --user: not started as root, so it cannot "
                   "become '%s'\n",
                   who->user.c_str());
      return kExitUsage;
    }
    run_as = who.value();
  }
  // Read now, as root if we are: after --user the file may be out of
  // reach, and a bad one is an exit 2 before anything started.
  std::optional<TokenTable> tokens;
  if (!config.http_token_file.empty()) {
    auto t = TokenTable::Load(config.http_token_file);
    if (!t.ok()) {
      std::fprintf(stderr, "coyotes: --http-token-file: %s\n",
                   t.status().message().c_str());
      return kExitUsage;
    }
    tokens = std::move(t.value());
  }
  if (config.http_insecure && !config.http_addr_text.empty() &&
      !IsLoopbackHost(config.http_addr.host) && !tokens)
    LOGR(WARNING) << "--http-insecure: the HTTP API on "
                  << config.http_addr_text
                  << " lets anyone who reaches it run commands";
  if (geteuid() == 0 && !run_as)
    LOGR(WARNING) << "running as root: every task runs as root too; run "
                     "coyotes as an unprivileged user (see coyotes(8), "
                     "SECURITY)";

  auto pidfile = PidFile::Acquire(config.pidfile);
  if (!pidfile.ok()) {
    LOGR(ERROR) << pidfile.status().message();
    return kExitUsage;
  }
  auto redis = ConnectAtStart(config);
  if (!redis.ok()) {
    LOGR(ERROR) << redis.status().message();
    pidfile->Remove();
    return redis.status().code() == StatusCode::kPermissionDenied ? kExitUsage
                                                                  : kExitOk;
  }
  Status version = CheckRedisVersion(&redis.value());
  if (!version.ok()) {
    LOGR(ERROR) << version.message();
    pidfile->Remove();
    return kExitConfig;
  }
  auto channels = LoadChannels(&redis.value(), config);
  if (!channels.ok()) {
    LOGR(ERROR) << "loading channels: " << channels.status().message();
    pidfile->Remove();
    return kExitSoftware;
  }

  Master master(config, std::move(pidfile.value()),
                std::move(channels.value()));
  if (run_as) master.set_run_as(*run_as);
  if (tokens) master.set_tokens(std::move(*tokens));
  Status s = master.Start();
  if (!s.ok()) {
    LOGR(ERROR) << s.message();
    return kExitUsage;
  }
  return master.Run();
}

}  // namespace
}  // namespace coyotes

int main(int argc, char** argv) { return coyotes::Main(argc, argv); }
