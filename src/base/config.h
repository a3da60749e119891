// The daemon's settings as plain data: what every part reads, never a
// FLAGS_ variable. daemon/flags.cc fills one from the command line after
// validating each value; tests build one by hand. Defaults here are the
// flags' defaults.
#ifndef COYOTES_BASE_CONFIG_H_
#define COYOTES_BASE_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace coyotes {

struct HostPort {
  std::string host;
  int port = 0;
  // A Unix domain socket's path instead of host and port ("unix:PATH" in a
  // flag); only Redis addresses take one.
  std::string unix_path;
  bool is_unix() const { return !unix_path.empty(); }
  std::string ToString() const;
};

struct Config {
  std::string channel_default = "default";
  bool colorful_tty = false;
  int concurrent = 5;
  std::string http_addr_text = "127.0.0.1:60001";
  HostPort http_addr;
  std::string http_token_file;  // "": no authentication
  bool http_insecure = false;
  std::string user;  // --user, "NAME[:GROUP]"; "": stay who we are
  std::string pidfile = "/tmp/coyotes.pid";
  int redis_db = 0;
  std::string redis_host_text = "127.0.0.1:6379";
  HostPort redis_addr;
  std::string redis_user;  // "": AUTH with the password alone
  std::string redis_password;
  // --redis-sentinel: when set, the master's address is asked of these
  // sentinels (under redis_master_name) instead of redis_addr.
  std::vector<HostPort> redis_sentinels;
  std::string redis_master_name;
  std::string redis_sentinel_password;
  // --redis-wait-replicas: the steps that accept a task or record its end
  // wait (WAIT) for this many replicas, up to redis_wait_timeout_ms.
  int redis_wait_replicas = 0;
  int redis_wait_timeout_ms = 100;
  // How long a request that needs Redis waits for the master's connection
  // while it is being made; 0: answer 503 at once.
  double redis_wait_s = 5;
  bool task_mode = true;

  double shutdown_timeout_s = 0;  // 0: wait for running tasks forever
  double kill_grace_s = 3;
  std::string key_namespace;
  int64_t max_task_bytes = 1 << 20;
  int max_channels = 64;
  int64_t output_tail = 65536;
  double task_timeout_s = 0;
  // --task-limits, checked by flags.cc (task/limits.h reads it): the
  // daemon's resource limits for every task.
  std::string task_limits;
  int64_t result_ttl_s = 7 * 24 * 3600;
  double lease_ttl_s = 3;
  int64_t http_max_body = 1 << 20;
  double pipe_grace_s = 2;
  int retry_default = 0;
  double retry_min_delay_s = 1;
  double retry_max_delay_s = 300;
  // --schedule-file ("": none), read at start and on HUP.
  std::string schedule_file;
  // Completion callbacks (http/callback_sender.h).
  double callback_timeout_s = 10;
  int64_t callback_max_age_s = 86400;
  int callback_concurrency = 16;
  std::string callback_secret;  // "": no X-Coyotes-Signature
  // --callback-hosts: the hosts callbacks may go to (base/http_url.h);
  // empty: any.
  std::vector<std::string> callback_hosts;
  int64_t failed_max = 10000;
  int64_t failed_ttl_s =
      7 * 24 * 3600;  // wait for grandchildren holding output pipes
};

// 127.0.0.0/8, ::1 and "localhost": an address only this host reaches.
bool IsLoopbackHost(const std::string& host);

// Parses a "host:port" string; the port is required (the original's rule).
Result<HostPort> ParseHostPort(const std::string& text);

// A Redis address: "host:port", or "unix:/absolute/path/to/redis.sock".
Result<HostPort> ParseRedisAddr(const std::string& text);

}  // namespace coyotes

#endif  // COYOTES_BASE_CONFIG_H_
