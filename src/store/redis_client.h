// RedisClient: one synchronous hiredis connection (a worker's), RAII.
//
// Owns the redisContext and every reply (RedisReply frees it). Commands are
// argv vectors, so task data is never interpolated into a format string.
// Lua scripts are loaded once per connection and called by SHA; a NOSCRIPT
// answer (Redis restarted) reloads them.
//
// With cluster seeds the client follows the cluster: each command goes to
// the master of its key's slot (store/cluster_slots.h says which key), over
// the one connection, which moves to that node when it is another. A MOVED
// answer moves it and sends again; an ASK answer sends ASKING and the
// command once over a connection to the node named; TRYAGAIN (keys split
// by a migration) waits 50 ms and sends again, for 2 s at most. A lost
// connection is the caller's to notice (broken()), as without a cluster:
// the next Connect asks the seeds again. A worker touches the keys of one
// channel, which share a slot, so it keeps one connection.
#ifndef COYOTES_STORE_REDIS_CLIENT_H_
#define COYOTES_STORE_REDIS_CLIENT_H_

#include <hiredis/hiredis.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/status.h"
#include "store/cluster_slots.h"

namespace coyotes {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RedisReply = std::unique_ptr<redisReply, ReplyDeleter>;

struct RedisTarget {
  HostPort addr;     // unused when sentinels are given
  std::string user;  // a Redis 6 ACL user; "": the default user
  std::string password;
  int db = 0;
  // --redis-sentinel: the master is whichever server these name.
  std::vector<HostPort> sentinels;
  std::string master_name;
  std::string sentinel_password;
  // --redis-cluster: the seed nodes; the servers used are the masters that
  // CLUSTER SLOTS names.
  std::vector<HostPort> cluster_seeds;
};

// The target --redis-host (or --redis-sentinel), --redis-user,
// --redis-password(-file) and --redis-db name.
RedisTarget RedisTargetOf(const Config& config);
// For logs: "127.0.0.1:6379", or "sentinel master 'm' (h:p,h:p)".
std::string RedisWhere(const Config& config);

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
  // kPermissionDenied (the caller exits rather than retries). With
  // sentinels, connects to the master they name, once ROLE confirms it.
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

  // --redis-wait-replicas: WaitReplicas waits for `n` replicas (0: no
  // WAIT), up to `timeout_ms`; a shortfall is counted in `stats_key`.
  void set_replica_wait(int n, int timeout_ms, std::string stats_key) {
    wait_replicas_ = n;
    wait_timeout_ms_ = timeout_ms;
    stats_key_ = std::move(stats_key);
  }
  // After a write: waits for the replicas. A shortfall is logged and
  // counted, and the write still counts, unless (with sentinels) the master
  // was replaced meanwhile: then the write may be lost with it, the
  // connection is closed and the answer is kUnavailable.
  Status WaitReplicas();

  bool broken() const { return ctx_ == nullptr || ctx_->err != 0; }
  // The server connected to.
  const HostPort& addr() const { return addr_; }

 private:
  struct CtxDeleter {
    void operator()(redisContext* c) const { redisFree(c); }
  };
  explicit RedisClient(redisContext* c) : ctx_(c) {}
  // Connects to target.addr, ignoring the sentinels.
  static Result<RedisClient> ConnectTo(const RedisTarget& target,
                                       double timeout_s);
  static Result<RedisClient> ConnectCluster(const RedisTarget& target,
                                            double timeout_s);
  // One command on this connection: the reply, error replies included.
  Result<RedisReply> Send(const std::vector<std::string>& argv);
  // Command() with the text of the script an EVALSHA runs, for the node an
  // ASK sends it to, which may not have it cached.
  Result<RedisReply> Routed(const std::vector<std::string>& argv,
                            const char* script_text);
  // Moves the connection to `node` (a cluster master), keeping the map.
  Status MoveTo(const HostPort& node);
  // ASKING, then argv, over a connection of their own to `node`.
  Result<RedisReply> SendAsking(const HostPort& node,
                                const std::vector<std::string>& argv,
                                const char* script_text);
  Status ContextError(const char* what) const;
  // An error reply; READONLY (the server became a replica) and UNBLOCKED
  // (a blocking read ended by that) close the connection, so that the next
  // one finds the master again.
  Status ReplyError(const redisReply* r);

  std::unique_ptr<redisContext, CtxDeleter> ctx_;
  std::vector<std::pair<const char*, std::string>> shas_;  // script -> sha
  RedisTarget target_;
  HostPort addr_;
  double timeout_s_ = 2;
  std::unique_ptr<SlotMap> slots_;  // with cluster seeds only
  int wait_replicas_ = 0;
  int wait_timeout_ms_ = 100;
  std::string stats_key_;
  std::chrono::steady_clock::time_point last_short_log_;
  long long short_since_log_ = 0;
};

// Asks `nodes` in turn for CLUSTER SLOTS; the first complete map wins.
Result<SlotMap> FetchSlotMap(const RedisTarget& target,
                             const std::vector<HostPort>& nodes,
                             double timeout_s);

// Formats a reply for logs and errors.
std::string ReplyString(const redisReply* r);

}  // namespace coyotes

#endif  // COYOTES_STORE_REDIS_CLIENT_H_
