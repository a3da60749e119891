// RedisCluster: a real Redis Cluster for one test or suite, made of private
// redis-server nodes (RedisServer, --cluster-enabled yes) on loopback and
// joined by `redis-cli --cluster create`. Which nodes become masters is
// redis-cli's choice: ask Masters() and ReplicasOf().
//
//   auto cluster = RedisCluster::Start();  // 3 masters, 1 replica each
//   const int owner = cluster->MasterOfSlot(cluster->KeySlot("k"));
//   cluster->node(owner).Connect()->Cmd({"SET", "k", "v"});
//   const int promoted = cluster->KillMasterAndWaitFailover(owner);
//
// Node indices are positions in the fixture (0 .. size() - 1) and stay the
// same across kills and restarts; every query answers in them. Like
// RedisServer, a cluster must be started by the thread that runs the test:
// its processes are SIGKILLed when that thread exits.
#ifndef COYOTES_TESTS_SUPPORT_REDIS_CLUSTER_H_
#define COYOTES_TESTS_SUPPORT_REDIS_CLUSTER_H_

#include <sys/types.h>

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/redis_server.h"

namespace coyotes::testing {

struct RedisClusterOptions {
  int masters = 3;  // redis-cli insists on 3 at least
  int replicas_per_master = 1;
  int node_timeout_ms = 2000;  // --cluster-node-timeout
};

class RedisCluster {
 public:
  static constexpr int kSlots = 16384;

  // Starts masters * (1 + replicas_per_master) nodes (appendonly, each in
  // its own directory with its nodes.conf there), runs
  // `redis-cli --cluster create ... --cluster-replicas R --cluster-yes`, and
  // waits (60 s at most) until the cluster is settled (see Unsettled()) with
  // every replica attached. Aborts the test binary, printing the redis-cli
  // output, every node's view and log tail, if it cannot (the directories
  // are then kept).
  static std::unique_ptr<RedisCluster> Start(
      const RedisClusterOptions& options = {});

  // Kills a reshard still running and every node (SIGKILL, by pid) and
  // removes the directories (see RedisServer).
  ~RedisCluster();

  RedisCluster(const RedisCluster&) = delete;
  RedisCluster& operator=(const RedisCluster&) = delete;

  size_t size() const { return nodes_.size(); }
  // Kill() and Restart() it freely: a restarted node keeps its port, its
  // data and its nodes.conf, so it rejoins with the same identity.
  RedisServer& node(size_t i) { return *nodes_.at(i); }
  std::vector<std::string> seeds() const;  // "127.0.0.1:PORT" of every node
  // The node's cluster id (CLUSTER MYID, asked at the start: it stays valid
  // while the node is down).
  std::string NodeId(int i) const { return ids_.at(static_cast<size_t>(i)); }
  // The node index listening on `port`, or -1.
  int IndexOfPort(int port) const;

  // The slot of a key (CLUSTER KEYSLOT, asked of a live node); -1 after a
  // GoogleTest failure if no node answers.
  int KeySlot(const std::string& key);
  // The index of the node that is master of `slot`, or -1 (unassigned;
  // a GoogleTest failure if no node answers), from CLUSTER SLOTS asked of
  // a live node.
  int MasterOfSlot(int slot);
  // The same for every slot at once: kSlots entries.
  std::vector<int> SlotOwners();
  // From CLUSTER NODES asked of a live node; nodes that are down (in the
  // fixture, or flagged "fail" by the cluster) are left out. Ascending.
  std::vector<int> Masters();
  std::vector<int> ReplicasOf(int m);

  // SIGKILLs node m, which must be a master with a replica, and waits (30 s
  // at most) until one of its replicas reports role:master and the cluster
  // is settled again. Returns the promoted node's index, or -1 after a
  // GoogleTest failure describing every node's view.
  int KillMasterAndWaitFailover(int m);

  // Moves `count` slots from master `from` to master `to` with
  // `redis-cli --cluster reshard ... --cluster-yes` and, when it succeeds,
  // waits (30 s at most) until the cluster is settled again (a GoogleTest
  // failure if not). Returns redis-cli's exit status (-1 if it did not
  // exit normally); its output is then in last_reshard_output().
  int Reshard(int from, int to, int count);
  // The same in two halves, so that a test can work while slots migrate:
  // StartReshard returns redis-cli's pid at once; WaitReshard waits for
  // that process (120 s at most, then kills it) and settles as Reshard.
  pid_t StartReshard(int from, int to, int count);
  int WaitReshard(pid_t pid);
  const std::string& last_reshard_output() const {
    return last_reshard_output_;
  }

  // "" when the cluster is settled: every live node says cluster_state:ok,
  // sees every other live node reachable (connected, not flagged fail,
  // fail?, handshake or noaddr), and all agree on who replicates whom and
  // on the CLUSTER SLOTS answer, which assigns every slot to a live master;
  // each live node's INFO replication matches (a replica's link is up).
  // Otherwise the first thing found unsettled, for failure messages.
  std::string Unsettled();
  // Every live node's CLUSTER NODES and INFO replication role, and the log
  // tails, for failure messages.
  std::string Describe();

 private:
  RedisCluster() = default;
  // The first running node's index, or -1.
  int AnyLive() const;
  [[noreturn]] void Die(const std::string& why, const std::string& output);

  std::string dir_;  // redis-cli's output files
  std::vector<std::unique_ptr<RedisServer>> nodes_;
  std::vector<std::string> ids_;
  std::map<pid_t, std::string> reshards_;  // running pid -> output file
  int reshard_count_ = 0;
  std::string last_reshard_output_;
};

}  // namespace coyotes::testing

#endif  // COYOTES_TESTS_SUPPORT_REDIS_CLUSTER_H_
