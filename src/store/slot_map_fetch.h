// SlotMapFetch: asks a Redis Cluster which node serves which slot (CLUSTER
// SLOTS) on the master's loop, for AsyncCluster.
//
// A round asks the nodes in turn (those of the last map, masters first, then
// the seeds) until one answers with a complete map; a node that is down or
// slow (1 s) costs only its turn. Requests are coalesced: one round at a
// time, and a request that comes while one is out gets one more round after
// it, since the answer on its way may predate the news. Rounds start at
// most every 200 ms, and a failed round is followed by another after a
// back-off (to 5 s) until one succeeds: whoever asked for a map still
// needs one.
#ifndef COYOTES_STORE_SLOT_MAP_FETCH_H_
#define COYOTES_STORE_SLOT_MAP_FETCH_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/event_loop.h"
#include "base/status.h"
#include "store/cluster_slots.h"
#include "store/redis_probe.h"

namespace coyotes {

class SlotMapFetch {
 public:
  // Each round's outcome: a map (complete if any node gave one), or why no
  // node gave any (another round follows by itself).
  using Done = std::function<void(Result<SlotMap>)>;

  // `auth`: the AUTH command every node takes (AuthCommand), or empty.
  SlotMapFetch(EventBase* base, std::vector<std::string> auth,
               std::vector<HostPort> seeds, Done done);
  SlotMapFetch(const SlotMapFetch&) = delete;

  // Asks for a new map: now, or as soon as the rate limit allows.
  void Request();
  // Drops the round out and any to come; `done` is not called for them.
  void Cancel();
  // The nodes of the map in use: asked before the seeds.
  void set_known(std::vector<HostPort> nodes) { known_ = std::move(nodes); }
  bool busy() const { return in_round_; }

 private:
  using Clock = std::chrono::steady_clock;
  // Seconds until the rate limit (or the back-off) lets a round start.
  double WaitBeforeRound() const;
  void StartRound();
  void AskNext();
  void OnAnswer(const HostPort& asked, Result<const redisReply*> r);
  void EndRound(Result<SlotMap> outcome);

  std::vector<std::string> auth_;
  std::vector<HostPort> seeds_;
  Done done_;
  std::vector<HostPort> known_;
  RedisProbe probe_;
  Event start_;  // the next round, when the rate limit or back-off allows

  bool in_round_ = false;
  bool again_ = false;  // requested while the round was out
  std::vector<HostPort> round_;
  size_t next_ = 0;
  std::string errors_;
  std::optional<SlotMap> partial_;  // an incomplete map seen this round
  Clock::time_point last_start_;
  double backoff_s_ = 0;  // after failed rounds
};

}  // namespace coyotes

#endif  // COYOTES_STORE_SLOT_MAP_FETCH_H_
