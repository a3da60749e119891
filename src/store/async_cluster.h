// AsyncCluster: the master's Redis Cluster client on its loop. The same
// calls and callback contract as AsyncRedis (each callback runs exactly
// once, with a borrowed reply or a Status), over one AsyncRedis per master
// node, each command sent to the node serving its key's slot.
//
// The slot map comes from CLUSTER SLOTS (SlotMapFetch), fetched at Start()
// and again on MOVED, CLUSTERDOWN, a node's connection failing, and a
// command finding no master for its slot. A command is re-sent only when the
// cluster said it did not run it: MOVED (to the node named; the map is
// corrected at once), ASK (ASKING and the command on the importing node;
// the map stays), TRYAGAIN (50 ms later). A command whose connection drops
// gets kUnavailable, as with AsyncRedis, since it may have run.
#ifndef COYOTES_STORE_ASYNC_CLUSTER_H_
#define COYOTES_STORE_ASYNC_CLUSTER_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/event_loop.h"
#include "base/status.h"
#include "base/wait_list.h"
#include "store/async_redis.h"
#include "store/cluster_slots.h"
#include "store/redis_client.h"
#include "store/slot_map_fetch.h"

namespace coyotes {

// Lifecycle: Start() fetches the map and connects to a master; the other
// masters are connected to when a command first needs them. A command that
// cannot go yet (no map, no master for its slot, its node's connection not
// ready) waits up to kCommandWait_s for the map or the connection, then
// gets kUnavailable. Stop() answers everything pending or waiting with
// kUnavailable. Connections to nodes that are no master in a new map are
// closed once their replies are in (kUnavailable for any still owed after
// 5 s).
//
// Like AsyncRedis, it must not be destroyed from inside one of its own
// callbacks: hiredis still holds its contexts there.
class AsyncCluster {
 public:
  using Callback = AsyncRedis::Callback;
  // How long a command waits for a map or a connection.
  static constexpr double kCommandWait_s = 5;
  // Redirects (MOVED or ASK) followed in a row (counted afresh after each
  // TRYAGAIN); the next one is passed on as the command's error.
  static constexpr int kMaxRedirects = 5;
  // TRYAGAIN answers retried per command, 50 ms apart.
  static constexpr int kMaxTryAgain = 20;

  // `target`: the user and password of every node (addr and sentinels
  // unused; db must be 0, a cluster's only database). `seeds`: whom to ask
  // for the map first.
  AsyncCluster(EventBase* base, RedisTarget target, std::vector<HostPort> seeds,
               std::string name);
  ~AsyncCluster();
  AsyncCluster(const AsyncCluster&) = delete;
  AsyncCluster& operator=(const AsyncCluster&) = delete;

  void Start();
  void Stop();
  // Every slot has a known master, and one master's connection is ready.
  bool connected() const;
  // Called each time connected() becomes true.
  void set_on_ready(std::function<void()> f) { on_ready_ = std::move(f); }
  // Runs `then` once: at once when connected, else as soon as it is, or
  // after `timeout_s`, or at Stop() (as AsyncRedis::WhenConnected).
  void WhenConnected(double timeout_s, std::function<void()> then);

  // For logs: "cluster (h:p,h:p,...)", the masters known (the seeds before
  // a map).
  std::string addr() const;

  // Sends `argv` to the master of its key's slot (RoutingKey), or to any
  // master for a command without a key.
  void Command(const std::vector<std::string>& argv, Callback cb);
  // EVALSHA (EVAL on NOSCRIPT) on the master of keys[0]'s slot; every key
  // must share it (a hash tag).
  void Eval(const Script& script, const std::vector<std::string>& keys,
            const std::vector<std::string>& args, Callback cb);

 private:
  struct Op;
  struct Node;
  using OpPtr = std::shared_ptr<Op>;

  // Sends `op` where it goes now, or makes it wait.
  void Dispatch(const OpPtr& op);
  void Wait(const OpPtr& op, std::string why);
  void Send(const OpPtr& op, Node* node);
  void OnReply(const OpPtr& op, Node* node, Result<const redisReply*> r);
  // Whether `op` was sent again after a MOVED or ASK answer.
  bool FollowRedirect(const OpPtr& op, const Redirect& to);

  // The connection to `addr`, made if there is none.
  Node* NodeAt(const HostPort& addr);
  // A master whose connection is ready, or null (then each master gets a
  // connection, to be ready soon).
  Node* AnyReadyMaster();
  void OnMap(Result<SlotMap> map);
  // Moves the connections to nodes that are no master any more out of
  // nodes_, to be closed by Reap().
  void RetireStale();
  void Reap();
  // Calls on_ready_ when connected() has just become true.
  void CheckReady();
  void WaitConnected(WaitList::Clock::time_point deadline,
                     std::function<void()> then);

  EventBase* base_;
  RedisTarget target_;
  std::vector<HostPort> seeds_;
  std::string name_;
  bool stopped_ = true;
  bool was_connected_ = false;
  std::function<void()> on_ready_;

  Event reap_;  // closes retired connections: Reap()
  SlotMapFetch fetch_;
  int fetch_failures_ = 0;
  // Commands waiting for a map or a connection, and WhenConnected's work.
  WaitList waiting_;
  // Commands to send again after a TRYAGAIN.
  WaitList try_again_;

  std::optional<SlotMap> map_;
  std::vector<HostPort> masters_;  // of map_, each once
  // By "host:port". A Node is never moved (the callbacks hold its address)
  // and is destroyed only outside hiredis's callbacks (Reap, the
  // destructor). Last, so that they go first.
  std::map<std::string, std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<Node>> retiring_;
};

}  // namespace coyotes

#endif  // COYOTES_STORE_ASYNC_CLUSTER_H_
