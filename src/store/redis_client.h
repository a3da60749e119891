// RedisClient: one synchronous hiredis connection (a worker's), RAII.
//
// Owns the redisContext and every reply (RedisReply frees it). Commands are
// argv vectors, so task data is never interpolated into a format string.
// Lua scripts are loaded once per connection and called by SHA; a NOSCRIPT
// answer (Redis restarted) reloads them.
#ifndef COYOTES_STORE_REDIS_CLIENT_H_
#define COYOTES_STORE_REDIS_CLIENT_H_

#include <hiredis/hiredis.h>

#include <memory>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/status.h"

namespace coyotes {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RedisReply = std::unique_ptr<redisReply, ReplyDeleter>;

struct RedisTarget {
  HostPort addr;
  std::string user;  // a Redis 6 ACL user; "": the default user
  std::string password;
  int db = 0;
};

// The target --redis-host, --redis-user, --redis-password(-file) and
// --redis-db name.
RedisTarget RedisTargetOf(const Config& config);

// The AUTH command for `target` (AUTH password, or AUTH user password);
// empty when there is no password.
std::vector<std::string> AuthCommand(const RedisTarget& target);

// A Lua script and its SHA1 (filled in by Load).
struct Script {
  const char* name;
  const char* text;
};

class RedisClient {
 public:
  // Connects, authenticates and selects the database. A wrong password is
  // kPermissionDenied (the caller exits rather than retries).
  static Result<RedisClient> Connect(const RedisTarget& target,
                                     double timeout_s);

  RedisClient(RedisClient&&) = default;
  RedisClient& operator=(RedisClient&&) = default;

  // Sends one command and waits for its reply. A Redis error reply is
  // returned as a Status too. The read timeout applies (see SetTimeout).
  Result<RedisReply> Command(const std::vector<std::string>& argv);
  // Several commands in one round trip; one reply each, in order.
  Result<std::vector<RedisReply>> Pipeline(
      const std::vector<std::vector<std::string>>& cmds);
  // EVALSHA, loading the script on first use or after NOSCRIPT.
  Result<RedisReply> Eval(const Script& script,
                          const std::vector<std::string>& keys,
                          const std::vector<std::string>& args);
  // Socket read timeout for later commands (a blocking command must use a
  // timeout shorter than this).
  void SetTimeout(double seconds);

  bool broken() const { return ctx_ == nullptr || ctx_->err != 0; }

 private:
  struct CtxDeleter {
    void operator()(redisContext* c) const { redisFree(c); }
  };
  explicit RedisClient(redisContext* c) : ctx_(c) {}
  Status ContextError(const char* what) const;

  std::unique_ptr<redisContext, CtxDeleter> ctx_;
  std::vector<std::pair<const char*, std::string>> shas_;  // script -> sha
};

// Formats a reply for logs and errors.
std::string ReplyString(const redisReply* r);

}  // namespace coyotes

#endif  // COYOTES_STORE_REDIS_CLIENT_H_
