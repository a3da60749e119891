// Redis Sentinel, the synchronous half: which server is the master.
//
// With --redis-sentinel the daemon never trusts an address it was given: it
// asks the sentinels (in the order given; the first that answers) for the
// master's address, and confirms with ROLE on the server itself that it is
// a master, since a sentinel's view may lag a failover by a moment. It asks
// again whenever a connection breaks or Redis answers READONLY.
//
// After a WAIT that fell short (--redis-wait-replicas), MasterMoved tells a
// replica that is slow from a failover in progress: the sentinels name
// another master, or one of the master's replicas already calls itself
// master (promoted, before the sentinels have announced it). A write that
// only the replaced master holds will be lost; the caller reports it.
#ifndef COYOTES_STORE_SENTINEL_H_
#define COYOTES_STORE_SENTINEL_H_

#include <hiredis/hiredis.h>

#include <string>
#include <vector>

#include "base/config.h"
#include "base/status.h"
#include "store/redis_client.h"

namespace coyotes {

// How long one question to a sentinel or a replica may take.
inline constexpr double kSentinelTimeoutS = 1.0;

// A master as the sentinels named it.
struct MasterAddr {
  HostPort addr;
  std::string named_by;  // the sentinel that answered, "host:port"
};

// The target of a sentinel (its own password, never a database or user).
RedisTarget SentinelTarget(const RedisTarget& target, const HostPort& sentinel);

// The reply of SENTINEL get-master-addr-by-name: [host, port]; nil when the
// sentinel does not know the name.
Result<HostPort> ParseMasterAddrReply(const redisReply* r);
// The role ROLE reports ("master", "slave", "sentinel").
Result<std::string> ParseRoleReply(const redisReply* r);
// SENTINEL replicas NAME: the replicas' addresses (fields ip and port).
std::vector<HostPort> ParseReplicasReply(const redisReply* r);

// Asks the sentinels of `target`, in order, for the master's address.
Result<MasterAddr> AskSentinels(const RedisTarget& target);

// Whether the server at `current` is no longer the master: see above.
// False when nothing can be learnt (every sentinel silent).
bool MasterMoved(const RedisTarget& target, const HostPort& current);

}  // namespace coyotes

#endif  // COYOTES_STORE_SENTINEL_H_
