// RedisCluster: nodes are RedisServer instances; cluster operations go
// through /usr/bin/redis-cli --cluster, and every wait polls the nodes'
// own views (CLUSTER INFO, CLUSTER SLOTS, CLUSTER NODES, INFO replication)
// until they agree or a deadline passes.
#include "support/redis_cluster.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>

#include "support/wait.h"

namespace coyotes::testing {

namespace {

constexpr char kRedisCliPath[] = "/usr/bin/redis-cli";
constexpr double kCreateTimeout = 60;
constexpr double kFailoverTimeout = 30;
constexpr double kSettleTimeout = 30;
constexpr double kReshardTimeout = 120;
constexpr double kPollInterval = 0.05;

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

timeval Seconds(double s) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(s);
  tv.tv_usec =
      static_cast<suseconds_t>((s - static_cast<double>(tv.tv_sec)) * 1e6);
  return tv;
}

// One command on a fresh connection to 127.0.0.1:`port`; null when the node
// cannot be reached or does not answer within 2 s. No GoogleTest failures:
// the callers poll.
Reply Query(int port, const std::vector<std::string>& argv) {
  redisContext* ctx = redisConnectWithTimeout("127.0.0.1", port, Seconds(1));
  if (ctx == nullptr) return nullptr;
  Reply reply;
  if (ctx->err == 0 && redisSetTimeout(ctx, Seconds(2)) == REDIS_OK) {
    std::vector<const char*> ptrs;
    std::vector<size_t> lens;
    for (const std::string& arg : argv) {
      ptrs.push_back(arg.data());
      lens.push_back(arg.size());
    }
    reply.reset(static_cast<redisReply*>(redisCommandArgv(
        ctx, static_cast<int>(argv.size()), ptrs.data(), lens.data())));
  }
  redisFree(ctx);
  return reply;
}

// A string or status reply's text; "" for anything else.
std::string QueryText(int port, const std::vector<std::string>& argv) {
  Reply reply = Query(port, argv);
  if (reply == nullptr || (reply->type != REDIS_REPLY_STRING &&
                           reply->type != REDIS_REPLY_STATUS)) {
    return "";
  }
  return std::string(reply->str, reply->len);
}

// The value of "name:value" in an INFO or CLUSTER INFO text, or "".
std::string InfoField(const std::string& info, const std::string& name) {
  const std::string key = name + ":";
  size_t at = 0;
  for (;;) {
    at = info.find(key, at);
    if (at == std::string::npos) return "";
    if (at == 0 || info[at - 1] == '\n') break;
    at += key.size();
  }
  const size_t begin = at + key.size();
  const size_t end = info.find_first_of("\r\n", begin);
  return info.substr(begin, end == std::string::npos ? end : end - begin);
}

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, sep)) out.push_back(item);
  return out;
}

// One range of a CLUSTER SLOTS answer, nodes as ports.
struct SlotRange {
  int start = 0;
  int end = 0;
  int master_port = 0;
  std::vector<int> replica_ports;  // sorted
};

// Parses a CLUSTER SLOTS reply, sorted by start; false if it is malformed.
bool ParseSlots(const redisReply* reply, std::vector<SlotRange>* ranges) {
  ranges->clear();
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY) return false;
  for (size_t i = 0; i < reply->elements; ++i) {
    const redisReply* entry = reply->element[i];
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 3 ||
        entry->element[0]->type != REDIS_REPLY_INTEGER ||
        entry->element[1]->type != REDIS_REPLY_INTEGER) {
      return false;
    }
    SlotRange range;
    range.start = static_cast<int>(entry->element[0]->integer);
    range.end = static_cast<int>(entry->element[1]->integer);
    for (size_t j = 2; j < entry->elements; ++j) {
      const redisReply* node = entry->element[j];
      if (node->type != REDIS_REPLY_ARRAY || node->elements < 2 ||
          node->element[1]->type != REDIS_REPLY_INTEGER) {
        return false;
      }
      const int port = static_cast<int>(node->element[1]->integer);
      if (j == 2) {
        range.master_port = port;
      } else {
        range.replica_ports.push_back(port);
      }
    }
    std::sort(range.replica_ports.begin(), range.replica_ports.end());
    ranges->push_back(std::move(range));
  }
  std::sort(
      ranges->begin(), ranges->end(),
      [](const SlotRange& a, const SlotRange& b) { return a.start < b.start; });
  return true;
}

std::string SlotsText(const std::vector<SlotRange>& ranges) {
  std::string out;
  for (const SlotRange& range : ranges) {
    if (!out.empty()) out += ' ';
    out += std::to_string(range.start) + "-" + std::to_string(range.end) + ":" +
           std::to_string(range.master_port);
    for (int port : range.replica_ports) out += "," + std::to_string(port);
  }
  return out;
}

// One line of CLUSTER NODES.
struct NodeLine {
  std::string id;
  int port = 0;
  std::set<std::string> flags;
  std::string master_id;  // "-" for a master
  std::string link_state;
};

std::vector<NodeLine> ParseNodes(const std::string& text) {
  std::vector<NodeLine> out;
  for (const std::string& line : Split(text, '\n')) {
    const std::vector<std::string> fields = Split(line, ' ');
    if (fields.size() < 8) continue;
    NodeLine node;
    node.id = fields[0];
    // ip:port@cport[,hostname]
    const size_t colon = fields[1].rfind(':', fields[1].find('@'));
    if (colon != std::string::npos) {
      node.port = std::atoi(fields[1].c_str() + colon + 1);
    }
    for (const std::string& flag : Split(fields[2], ',')) {
      node.flags.insert(flag);
    }
    node.master_id = fields[3];
    node.link_state = fields[7];
    out.push_back(std::move(node));
  }
  return out;
}

// A redis-cli output file without the colour codes redis-cli adds when
// TERM names a colour terminal.
std::string ReadOutput(const std::string& path) {
  const std::string raw = internal::ReadFile(path);
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\x1b' && i + 1 < raw.size() && raw[i + 1] == '[') {
      i += 2;
      while (i < raw.size() && (raw[i] < '@' || raw[i] > '~')) ++i;
      continue;
    }
    out += raw[i];
  }
  return out;
}

int ExitStatus(int status) {
  return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::unique_ptr<RedisCluster> RedisCluster::Start(
    const RedisClusterOptions& options) {
  std::unique_ptr<RedisCluster> cluster(new RedisCluster());
  cluster->dir_ = internal::MakeTempDir();
  const int count = options.masters * (1 + options.replicas_per_master);
  for (int i = 0; i < count; ++i) {
    RedisServerOptions node_options;
    node_options.cluster_bus = true;
    // A relative nodes.conf lands in the node's --dir. Replicas sync at
    // once rather than after the 5 s a master waits by default for more
    // replicas to share a diskless transfer.
    node_options.extra_args = {
        "--cluster-enabled",          "yes",
        "--cluster-config-file",      "nodes.conf",
        "--cluster-node-timeout",     std::to_string(options.node_timeout_ms),
        "--repl-diskless-sync-delay", "0"};
    cluster->nodes_.push_back(RedisServer::Start(node_options));
  }

  internal::SpawnSpec spec;
  spec.argv = {kRedisCliPath, "--cluster", "create"};
  for (const std::string& seed : cluster->seeds()) spec.argv.push_back(seed);
  spec.argv.insert(
      spec.argv.end(),
      {"--cluster-replicas", std::to_string(options.replicas_per_master),
       "--cluster-yes"});
  const std::string log = cluster->dir_ + "/create.log";
  const int log_fd =
      open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) cluster->Die("cannot open " + log, "");
  spec.stdout_fd = log_fd;
  spec.parent_death_signal = SIGKILL;
  const double deadline = NowSeconds() + kCreateTimeout;
  const pid_t pid = internal::SpawnChild(spec);
  close(log_fd);
  if (pid < 0) cluster->Die(std::string("fork: ") + strerror(errno), "");
  int status = 0;
  if (!internal::ReapBefore(pid, deadline, &status)) {
    kill(pid, SIGKILL);
    internal::ReapBlocking(pid);
    cluster->Die("redis-cli --cluster create did not finish within 60 s",
                 ReadOutput(log));
  }
  if (ExitStatus(status) != 0) {
    cluster->Die("redis-cli --cluster create failed (exit status " +
                     std::to_string(ExitStatus(status)) + ")",
                 ReadOutput(log));
  }

  for (const auto& node : cluster->nodes_) {
    const std::string id = QueryText(node->port(), {"CLUSTER", "MYID"});
    if (id.empty()) {
      cluster->Die("no CLUSTER MYID answer from " + node->addr(),
                   ReadOutput(log));
    }
    cluster->ids_.push_back(id);
  }

  // redis-cli returns once the nodes agree on the slots; the replicas may
  // still be syncing, the other nodes may not have heard by gossip who
  // replicates whom, and cluster_state may still be "fail".
  const int replicas = options.masters * options.replicas_per_master;
  std::string unsettled;
  const bool settled = WaitFor(
      [&] {
        unsettled = cluster->Unsettled();
        if (!unsettled.empty()) return false;
        int attached = 0;
        for (const auto& node : cluster->nodes_) {
          const std::string info =
              QueryText(node->port(), {"INFO", "replication"});
          if (InfoField(info, "role") == "slave" &&
              InfoField(info, "master_link_status") == "up") {
            ++attached;
          }
        }
        if (attached == replicas) return true;
        unsettled = std::to_string(attached) + " of " +
                    std::to_string(replicas) + " replicas attached";
        return false;
      },
      std::max(1.0, deadline - NowSeconds()), kPollInterval);
  if (!settled) {
    cluster->Die("the cluster did not settle within 60 s: " + unsettled,
                 ReadOutput(log));
  }
  return cluster;
}

RedisCluster::~RedisCluster() {
  for (const auto& [pid, output] : reshards_) {
    kill(pid, SIGKILL);
    internal::ReapBlocking(pid);
  }
  nodes_.clear();
  internal::RemoveTempDir(dir_);
}

std::vector<std::string> RedisCluster::seeds() const {
  std::vector<std::string> out;
  for (const auto& node : nodes_) out.push_back(node->addr());
  return out;
}

int RedisCluster::IndexOfPort(int port) const {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->port() == port) return static_cast<int>(i);
  }
  return -1;
}

int RedisCluster::AnyLive() const {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->running()) return static_cast<int>(i);
  }
  return -1;
}

int RedisCluster::KeySlot(const std::string& key) {
  for (const auto& node : nodes_) {
    if (!node->running()) continue;
    Reply reply = Query(node->port(), {"CLUSTER", "KEYSLOT", key});
    if (reply != nullptr && reply->type == REDIS_REPLY_INTEGER) {
      return static_cast<int>(reply->integer);
    }
  }
  ADD_FAILURE() << "CLUSTER KEYSLOT " << key << ": no live node answers";
  return -1;
}

std::vector<int> RedisCluster::SlotOwners() {
  std::vector<int> owners(kSlots, -1);
  for (const auto& node : nodes_) {
    if (!node->running()) continue;
    std::vector<SlotRange> ranges;
    if (!ParseSlots(Query(node->port(), {"CLUSTER", "SLOTS"}).get(), &ranges)) {
      continue;
    }
    for (const SlotRange& range : ranges) {
      const int owner = IndexOfPort(range.master_port);
      for (int slot = std::max(range.start, 0);
           slot <= std::min(range.end, kSlots - 1); ++slot) {
        owners[static_cast<size_t>(slot)] = owner;
      }
    }
    return owners;
  }
  ADD_FAILURE() << "CLUSTER SLOTS: no live node answers";
  return owners;
}

int RedisCluster::MasterOfSlot(int slot) {
  if (slot < 0 || slot >= kSlots) {
    ADD_FAILURE() << "MasterOfSlot: no slot " << slot;
    return -1;
  }
  return SlotOwners()[static_cast<size_t>(slot)];
}

std::vector<int> RedisCluster::Masters() {
  std::vector<int> out;
  const int live = AnyLive();
  if (live < 0) return out;
  for (const NodeLine& line : ParseNodes(QueryText(
           nodes_[static_cast<size_t>(live)]->port(), {"CLUSTER", "NODES"}))) {
    const int i = IndexOfPort(line.port);
    if (i >= 0 && nodes_[static_cast<size_t>(i)]->running() &&
        line.flags.count("master") != 0 && line.flags.count("fail") == 0) {
      out.push_back(i);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int> RedisCluster::ReplicasOf(int m) {
  std::vector<int> out;
  const int live = AnyLive();
  if (live < 0 || m < 0 || static_cast<size_t>(m) >= nodes_.size()) return out;
  for (const NodeLine& line : ParseNodes(QueryText(
           nodes_[static_cast<size_t>(live)]->port(), {"CLUSTER", "NODES"}))) {
    const int i = IndexOfPort(line.port);
    if (i >= 0 && nodes_[static_cast<size_t>(i)]->running() &&
        line.flags.count("slave") != 0 && line.flags.count("fail") == 0 &&
        line.master_id == ids_[static_cast<size_t>(m)]) {
      out.push_back(i);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string RedisCluster::Unsettled() {
  std::string first_slots;
  std::string first_roles;
  int first = -1;
  std::vector<SlotRange> ranges;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const RedisServer& node = *nodes_[i];
    if (!node.running()) continue;
    const std::string name =
        "node " + std::to_string(i) + " (" + std::to_string(node.port()) + ")";
    const std::string state =
        InfoField(QueryText(node.port(), {"CLUSTER", "INFO"}), "cluster_state");
    if (state != "ok") return name + ": cluster_state:" + state;

    // Its view of every live node: known, reachable, and which master it
    // follows, e.g. "0:M 1:M 2:M 3:S2 4:S0 5:S1".
    std::map<int, NodeLine> lines;
    for (NodeLine& line :
         ParseNodes(QueryText(node.port(), {"CLUSTER", "NODES"}))) {
      const int j = IndexOfPort(line.port);
      if (j >= 0) lines[j] = std::move(line);
    }
    std::string roles;
    for (size_t j = 0; j < nodes_.size(); ++j) {
      if (!nodes_[j]->running()) continue;
      const std::string other = "node " + std::to_string(j);
      const auto it = lines.find(static_cast<int>(j));
      if (it == lines.end()) return name + " does not know " + other;
      const NodeLine& line = it->second;
      for (const char* bad : {"fail", "fail?", "handshake", "noaddr"}) {
        if (line.flags.count(bad) != 0) {
          return name + " flags " + other + " " + bad;
        }
      }
      if (line.link_state != "connected") {
        return name + " has no link to " + other;
      }
      if (!roles.empty()) roles += ' ';
      roles += std::to_string(j) + ":";
      if (line.flags.count("slave") == 0) {
        roles += "M";
        continue;
      }
      const auto id = std::find(ids_.begin(), ids_.end(), line.master_id);
      roles += "S" + (id == ids_.end() ? line.master_id
                                       : std::to_string(id - ids_.begin()));
    }

    std::vector<SlotRange> view;
    if (!ParseSlots(Query(node.port(), {"CLUSTER", "SLOTS"}).get(), &view)) {
      return name + ": no CLUSTER SLOTS answer";
    }
    if (first < 0) {
      first = static_cast<int>(i);
      first_slots = SlotsText(view);
      first_roles = roles;
      ranges = view;
    } else if (roles != first_roles) {
      return name + " sees " + roles + ", node " + std::to_string(first) +
             " sees " + first_roles;
    } else if (SlotsText(view) != first_slots) {
      return name + " sees slots " + SlotsText(view) + ", node " +
             std::to_string(first) + " sees " + first_slots;
    }

    // Its own replication matches what the cluster says.
    const std::string info = QueryText(node.port(), {"INFO", "replication"});
    const NodeLine& self = lines[static_cast<int>(i)];
    if (self.flags.count("slave") == 0) {
      if (InfoField(info, "role") != "master") {
        return name + ": role:" + InfoField(info, "role") +
               " though the cluster has it master";
      }
      continue;
    }
    const auto id = std::find(ids_.begin(), ids_.end(), self.master_id);
    const std::string master_port =
        id == ids_.end()
            ? ""
            : std::to_string(
                  nodes_[static_cast<size_t>(id - ids_.begin())]->port());
    if (InfoField(info, "role") != "slave" ||
        InfoField(info, "master_port") != master_port ||
        InfoField(info, "master_link_status") != "up") {
      return name + ": role:" + InfoField(info, "role") +
             " master_port:" + InfoField(info, "master_port") +
             " master_link_status:" + InfoField(info, "master_link_status") +
             ", though the cluster has it replicate port " + master_port;
    }
  }
  if (first < 0) return "no node runs";
  int next = 0;
  for (const SlotRange& range : ranges) {
    if (range.start != next) {
      return "slot " + std::to_string(next) + " is not assigned";
    }
    const int owner = IndexOfPort(range.master_port);
    if (owner < 0 || !nodes_[static_cast<size_t>(owner)]->running()) {
      return "slots " + std::to_string(range.start) + "-" +
             std::to_string(range.end) + " belong to port " +
             std::to_string(range.master_port) + ", which is down";
    }
    next = range.end + 1;
  }
  if (next != kSlots) {
    return "slot " + std::to_string(next) + " is not assigned";
  }
  return "";
}

std::string RedisCluster::Describe() {
  std::string out;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const RedisServer& node = *nodes_[i];
    out += "---- node " + std::to_string(i) + " " + node.addr() + " dir " +
           node.dir() + (node.running() ? "" : " (down)") + " ----\n";
    if (node.running()) {
      const std::string info = QueryText(node.port(), {"INFO", "replication"});
      out += "role:" + InfoField(info, "role") + " cluster_state:" +
             InfoField(QueryText(node.port(), {"CLUSTER", "INFO"}),
                       "cluster_state") +
             "\n" + QueryText(node.port(), {"CLUSTER", "NODES"});
    }
    out += "-- log tail --\n" + node.LogTail(1500) + "\n";
  }
  return out;
}

int RedisCluster::KillMasterAndWaitFailover(int m) {
  const std::vector<int> masters = Masters();
  if (std::find(masters.begin(), masters.end(), m) == masters.end()) {
    ADD_FAILURE() << "KillMasterAndWaitFailover: node " << m
                  << " is no live master\n"
                  << Describe();
    return -1;
  }
  const std::vector<int> replicas = ReplicasOf(m);
  if (replicas.empty()) {
    ADD_FAILURE() << "KillMasterAndWaitFailover: node " << m
                  << " has no live replica\n"
                  << Describe();
    return -1;
  }
  nodes_[static_cast<size_t>(m)]->Kill();
  int promoted = -1;
  std::string unsettled;
  const bool ok = WaitFor(
      [&] {
        for (int r : replicas) {
          const RedisServer& node = *nodes_[static_cast<size_t>(r)];
          if (node.running() &&
              InfoField(QueryText(node.port(), {"INFO", "replication"}),
                        "role") == "master") {
            promoted = r;
          }
        }
        if (promoted < 0) {
          unsettled = "no replica of node " + std::to_string(m) +
                      " reports role:master";
          return false;
        }
        unsettled = Unsettled();
        return unsettled.empty();
      },
      kFailoverTimeout, kPollInterval);
  if (!ok) {
    ADD_FAILURE() << "no failover of node " << m << " within "
                  << kFailoverTimeout << " s: " << unsettled << "\n"
                  << Describe();
    return -1;
  }
  return promoted;
}

pid_t RedisCluster::StartReshard(int from, int to, int count) {
  const size_t n = nodes_.size();
  if (from < 0 || to < 0 || static_cast<size_t>(from) >= n ||
      static_cast<size_t>(to) >= n) {
    ADD_FAILURE() << "StartReshard: no node " << from << " or " << to;
    return -1;
  }
  const int entry =
      nodes_[static_cast<size_t>(from)]->running() ? from : AnyLive();
  if (entry < 0) {
    ADD_FAILURE() << "StartReshard: no node runs";
    return -1;
  }
  internal::SpawnSpec spec;
  spec.argv = {kRedisCliPath,     "--cluster",
               "reshard",         nodes_[static_cast<size_t>(entry)]->addr(),
               "--cluster-from",  ids_[static_cast<size_t>(from)],
               "--cluster-to",    ids_[static_cast<size_t>(to)],
               "--cluster-slots", std::to_string(count),
               "--cluster-yes"};
  const std::string log =
      dir_ + "/reshard-" + std::to_string(++reshard_count_) + ".log";
  const int log_fd =
      open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    ADD_FAILURE() << "cannot open " << log << ": " << strerror(errno);
    return -1;
  }
  spec.stdout_fd = log_fd;
  spec.parent_death_signal = SIGKILL;
  const pid_t pid = internal::SpawnChild(spec);
  close(log_fd);
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << strerror(errno);
    return -1;
  }
  reshards_[pid] = log;
  return pid;
}

int RedisCluster::WaitReshard(pid_t pid) {
  const auto it = reshards_.find(pid);
  if (it == reshards_.end()) {
    ADD_FAILURE() << "WaitReshard: " << pid << " is no reshard of ours";
    return -1;
  }
  const std::string log = it->second;
  reshards_.erase(it);
  int status = -1;
  if (!internal::ReapBefore(pid, NowSeconds() + kReshardTimeout, &status)) {
    kill(pid, SIGKILL);
    internal::ReapBlocking(pid);
    last_reshard_output_ = ReadOutput(log);
    ADD_FAILURE() << "redis-cli --cluster reshard did not finish within "
                  << kReshardTimeout << " s; killed. Output:\n"
                  << last_reshard_output_;
    return -1;
  }
  last_reshard_output_ = ReadOutput(log);
  const int rc = ExitStatus(status);
  if (rc != 0) return rc;
  std::string unsettled;
  if (!WaitFor(
          [&] {
            unsettled = Unsettled();
            return unsettled.empty();
          },
          kSettleTimeout, kPollInterval)) {
    ADD_FAILURE() << "the cluster did not settle within " << kSettleTimeout
                  << " s after a reshard: " << unsettled << "\n"
                  << Describe();
  }
  return rc;
}

int RedisCluster::Reshard(int from, int to, int count) {
  const pid_t pid = StartReshard(from, to, count);
  return pid < 0 ? -1 : WaitReshard(pid);
}

void RedisCluster::Die(const std::string& why, const std::string& output) {
  std::fprintf(stderr,
               "coyotes test support: Redis Cluster (%s): %s\n"
               "---- redis-cli output ----\n%s\n%s"
               "--------------------------\n",
               dir_.c_str(), why.c_str(), output.c_str(), Describe().c_str());
  for (const auto& node : nodes_) node->Kill();
  std::abort();
}

}  // namespace coyotes::testing
