// What a Redis Cluster client needs to know, as pure functions: which hash
// slot a key falls in (CRC16 with hash tags), which node serves each slot
// (a CLUSTER SLOTS reply), where a MOVED or ASK error redirects a command,
// and which argument of a command is the key that routes it. No I/O here,
// so that all of it is unit-tested without a cluster.
#ifndef COYOTES_STORE_CLUSTER_SLOTS_H_
#define COYOTES_STORE_CLUSTER_SLOTS_H_

#include <hiredis/hiredis.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/config.h"
#include "base/status.h"

namespace coyotes {

inline constexpr int kClusterSlots = 16384;

// The slot of `key`: CRC16 (XMODEM) of the key, or of the text between its
// first '{' and the next '}' when that text is not empty (the hash tag), mod
// 16384. Keys that share a hash tag share a slot, and so a node, which is
// what lets one script touch several of them.
int KeySlot(std::string_view key);

// Which node is master of each slot, from CLUSTER SLOTS.
class SlotMap {
 public:
  // Parses a CLUSTER SLOTS reply: [[first, last, [host, port, id...],
  // replicas...], ...]. An empty host (a node that does not know its own
  // address) is replaced by `asked`'s host, as redis-cli does.
  static Result<SlotMap> FromReply(const redisReply* reply,
                                   const HostPort& asked);

  // The master of `slot`, or null when no node serves it (a cluster being
  // set up, or a slot left unassigned).
  const HostPort* MasterOf(int slot) const;
  // Whether every slot has a master.
  bool complete() const;
  // Every master and replica named, each once, masters first: whom to ask
  // for a new map when the one known fails.
  std::vector<HostPort> nodes() const;
  // A MOVED reply's news, until the next full refresh.
  void Move(int slot, const HostPort& to);

 private:
  std::vector<HostPort> masters_;  // distinct, in order of appearance
  std::vector<HostPort> replicas_;
  // slot -> index into masters_, or -1
  std::vector<int16_t> owner_ = std::vector<int16_t>(kClusterSlots, -1);
};

// A -MOVED or -ASK error: "MOVED 3999 127.0.0.1:6381".
struct Redirect {
  enum Kind { kMoved, kAsk } kind;
  int slot;
  HostPort to;
};
// nullopt for any other error text (or a malformed redirect).
std::optional<Redirect> ParseRedirect(std::string_view error);

// The key that decides which node a command goes to: argv[3] for EVAL and
// EVALSHA with at least one key (every key of a script shares its slot),
// none for commands without keys (PING, INFO, EVAL with no key, ...), and
// argv[1] for the others we send. nullopt: any node will do.
std::optional<std::string_view> RoutingKey(
    const std::vector<std::string>& argv);

}  // namespace coyotes

#endif  // COYOTES_STORE_CLUSTER_SLOTS_H_
