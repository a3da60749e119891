// AsyncCluster: see async_cluster.h.
//
// A command is an Op, shared by whichever callback moves it on next: the
// wait for a map or a connection (waiting_), the node's reply (OnReply),
// the pause after TRYAGAIN (try_again_). Exactly one of them holds it at a
// time, and each path ends in one call of its callback; Stop() wakes both
// lists and stops every node, so that each path ends at once.
#include "store/async_cluster.h"

#include <algorithm>
#include <utility>

#include "base/log.h"

namespace coyotes {

struct AsyncCluster::Op {
  std::vector<std::string> argv;  // a command's; empty for a script
  std::optional<Script> script;
  std::vector<std::string> keys;
  std::vector<std::string> args;
  int slot = -1;  // -1: no key, any master will do
  Callback cb;
  WaitList::Clock::time_point deadline;  // of any wait for a map or a node
  // Set by a redirect, for the next send only.
  std::optional<HostPort> to;
  bool asking = false;
  int redirects = 0;
  int tries = 0;  // TRYAGAIN answers so far
};

struct AsyncCluster::Node {
  HostPort addr;
  std::unique_ptr<AsyncRedis> redis;
  int in_flight = 0;     // callbacks of ours it still owes
  bool down = false;     // its last connection failed; none ready since
  bool retired = false;  // no master any more: closed once in_flight is 0
  WaitList::Clock::time_point close_by;  // ... or then
};

namespace {

constexpr double kTryAgainPause_s = 0.05;
// How long a retired connection may keep replies owed before it is closed
// (and they are answered kUnavailable).
constexpr double kRetireWait_s = 5;

// EVAL with the script's text: after ASKING, where the EVALSHA-then-EVAL of
// AsyncRedis::Eval would put a second command between ASKING and the one it
// is for.
std::vector<std::string> EvalArgv(const Script& script,
                                  const std::vector<std::string>& keys,
                                  const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"EVAL", script.text,
                                   std::to_string(keys.size())};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// The masters that serve a slot, each once, in slot order.
std::vector<HostPort> MastersOf(const SlotMap& map) {
  std::vector<HostPort> masters;
  const HostPort* last = nullptr;
  for (int slot = 0; slot < kClusterSlots; ++slot) {
    const HostPort* m = map.MasterOf(slot);
    if (m == nullptr || m == last) continue;
    last = m;
    if (std::none_of(masters.begin(), masters.end(), [&](const HostPort& k) {
          return k.ToString() == m->ToString();
        }))
      masters.push_back(*m);
  }
  return masters;
}

std::string Join(const std::vector<HostPort>& nodes) {
  std::string out;
  for (const HostPort& hp : nodes) {
    if (!out.empty()) out += ',';
    out += hp.ToString();
  }
  return out;
}

}  // namespace

AsyncCluster::AsyncCluster(EventBase* base, RedisTarget target,
                           std::vector<HostPort> seeds, std::string name)
    : base_(base),
      target_(std::move(target)),
      seeds_(std::move(seeds)),
      name_(std::move(name)),
      reap_(base, -1, 0, [this](short) { Reap(); }),
      fetch_(base, AuthCommand(target_), seeds_,
             [this](Result<SlotMap> map) { OnMap(std::move(map)); }),
      waiting_(base),
      try_again_(base) {
  target_.sentinels.clear();
  target_.master_name.clear();
}

AsyncCluster::~AsyncCluster() { Stop(); }

void AsyncCluster::Start() {
  if (!stopped_) return;
  stopped_ = false;
  for (auto& [key, node] : nodes_) node->redis->Start();
  fetch_.Request();
}

void AsyncCluster::Stop() {
  if (stopped_) return;
  stopped_ = true;
  was_connected_ = false;
  fetch_.Cancel();
  // Each node answers what it owes (kUnavailable) before Stop returns, or,
  // when we are inside one of its callbacks, as soon as that returns. A
  // callback run meanwhile may call us; a copy keeps the loop safe.
  std::vector<Node*> all;
  for (auto& [key, node] : nodes_) all.push_back(node.get());
  for (auto& node : retiring_) all.push_back(node.get());
  for (Node* node : all) node->redis->Stop();
  waiting_.WakeAll();
  try_again_.WakeAll();
}

bool AsyncCluster::connected() const {
  if (!map_ || !map_->complete()) return false;
  for (const HostPort& m : masters_) {
    auto it = nodes_.find(m.ToString());
    if (it != nodes_.end() && it->second->redis->connected()) return true;
  }
  return false;
}

void AsyncCluster::CheckReady() {
  bool now = connected();
  if (!now) {
    was_connected_ = false;
    return;
  }
  if (was_connected_) return;
  was_connected_ = true;
  if (on_ready_) on_ready_();
}

void AsyncCluster::WhenConnected(double timeout_s, std::function<void()> then) {
  if (connected() || stopped_ || timeout_s <= 0) {
    then();
    return;
  }
  WaitConnected(DeadlineIn(timeout_s), std::move(then));
}

void AsyncCluster::WaitConnected(WaitList::Clock::time_point deadline,
                                 std::function<void()> then) {
  waiting_.Add(deadline, [this, deadline,
                          then = std::move(then)](bool timed_out) mutable {
    if (timed_out || stopped_ || connected())
      then();
    else
      WaitConnected(deadline, std::move(then));
  });
}

std::string AsyncCluster::addr() const {
  return "cluster (" + Join(masters_.empty() ? seeds_ : masters_) + ")";
}

void AsyncCluster::Command(const std::vector<std::string>& argv, Callback cb) {
  auto op = std::make_shared<Op>();
  op->argv = argv;
  if (auto key = RoutingKey(argv)) op->slot = KeySlot(*key);
  op->cb = std::move(cb);
  op->deadline = DeadlineIn(kCommandWait_s);
  Dispatch(op);
}

void AsyncCluster::Eval(const Script& script,
                        const std::vector<std::string>& keys,
                        const std::vector<std::string>& args, Callback cb) {
  auto op = std::make_shared<Op>();
  op->script = script;
  op->keys = keys;
  op->args = args;
  if (!keys.empty()) op->slot = KeySlot(keys.front());
  op->cb = std::move(cb);
  op->deadline = DeadlineIn(kCommandWait_s);
  Dispatch(op);
}

void AsyncCluster::Dispatch(const OpPtr& op) {
  if (stopped_) {
    op->cb(Unavailable(name_ + ": stopped"));
    return;
  }
  Node* node = nullptr;
  if (op->to) {
    node = NodeAt(*op->to);
  } else if (op->slot >= 0) {
    const HostPort* master = map_ ? map_->MasterOf(op->slot) : nullptr;
    if (master == nullptr) {
      fetch_.Request();
      Wait(op, "no master known for slot " + std::to_string(op->slot));
      return;
    }
    node = NodeAt(*master);
  } else {
    node = AnyReadyMaster();
    if (node == nullptr) {
      if (!map_) fetch_.Request();
      Wait(op, "no master connected");
      return;
    }
  }
  if (!node->redis->connected()) {
    // A node being connected to for the first time is a moment away; one
    // whose connection failed may have been replaced (a failover): the
    // new map will tell, and Wait's wake sends the command again.
    if (node->down) fetch_.Request();
    Wait(op, "no connection to " + node->addr.ToString());
    return;
  }
  Send(op, node);
}

void AsyncCluster::Wait(const OpPtr& op, std::string why) {
  if (WaitList::Clock::now() >= op->deadline) {
    op->cb(Unavailable(name_ + ": " + why));
    return;
  }
  // Woken by every new map and every connection made; each wake tries
  // again, and the last one comes at the deadline.
  waiting_.Add(op->deadline, [this, op](bool) { Dispatch(op); });
}

void AsyncCluster::Send(const OpPtr& op, Node* node) {
  bool asking = op->asking;
  op->asking = false;
  op->to.reset();
  node->in_flight++;
  auto done = [this, op, node](Result<const redisReply*> r) {
    OnReply(op, node, std::move(r));
  };
  AsyncRedis& redis = *node->redis;
  if (asking) {
    // ASKING lets the next command on this connection, and only it, reach
    // a slot the node is importing. hiredis sends both now, back to back,
    // on the one connection: nothing can come between them. Its own reply
    // tells nothing the command's will not.
    redis.Command({"ASKING"}, [](Result<const redisReply*>) {});
    redis.Command(
        op->script ? EvalArgv(*op->script, op->keys, op->args) : op->argv,
        std::move(done));
  } else if (op->script) {
    // AsyncRedis's NOSCRIPT fallback happens inside; a redirect of either
    // of its tries reaches `done`.
    redis.Eval(*op->script, op->keys, op->args, std::move(done));
  } else {
    redis.Command(op->argv, std::move(done));
  }
}

void AsyncCluster::OnReply(const OpPtr& op, Node* node,
                           Result<const redisReply*> r) {
  node->in_flight--;
  if (node->retired && node->in_flight == 0) reap_.ArmTimer(0);
  if (!r.ok() && !stopped_) {
    if (auto text = ServerErrorText(r.status())) {
      if (auto redirect = ParseRedirect(*text)) {
        if (FollowRedirect(op, *redirect)) return;
      } else if (text->starts_with("TRYAGAIN")) {
        // A command on several keys of a slot being migrated, some of
        // which have moved: it did not run; the migration soon ends.
        if (op->tries < kMaxTryAgain) {
          op->tries++;
          // Sent by the map again: to the source of the migration, whose
          // ASK is part of the wait, not a redirect loop.
          op->redirects = 0;
          try_again_.Add(DeadlineIn(kTryAgainPause_s),
                         [this, op](bool) { Dispatch(op); });
          return;
        }
      } else if (text->starts_with("CLUSTERDOWN")) {
        // Some slot has no master, for now: the caller hears it (the
        // command did not run), and the next map may show a new one.
        fetch_.Request();
      }
    }
  }
  op->cb(std::move(r));
}

bool AsyncCluster::FollowRedirect(const OpPtr& op, const Redirect& redirect) {
  if (op->redirects >= kMaxRedirects) return false;
  op->redirects++;
  VLOG(1) << name_ << ": "
          << (redirect.kind == Redirect::kMoved ? "MOVED" : "ASK") << " slot "
          << redirect.slot << " to " << redirect.to.ToString();
  if (redirect.kind == Redirect::kMoved) {
    // The slot has a new master for good: the commands after this one go
    // there at once, and the whole map (a resharding moves many slots, a
    // failover all of a master's) is fetched again.
    if (map_) map_->Move(redirect.slot, redirect.to);
    fetch_.Request();
  }
  op->to = redirect.to;
  op->asking = redirect.kind == Redirect::kAsk;
  Dispatch(op);
  return true;
}

AsyncCluster::Node* AsyncCluster::NodeAt(const HostPort& addr) {
  std::string key = addr.ToString();
  if (auto it = nodes_.find(key); it != nodes_.end()) return it->second.get();
  auto node = std::make_unique<Node>();
  node->addr = addr;
  RedisTarget target = target_;
  target.addr = addr;
  node->redis = std::make_unique<AsyncRedis>(base_, target, name_ + " " + key);
  Node* n = node.get();
  n->redis->set_on_ready([this, n] {
    n->down = false;
    if (n->retired) return;
    CheckReady();
    waiting_.WakeAll();
  });
  n->redis->set_on_down([this, n] {
    n->down = true;
    if (n->retired || stopped_) return;
    // A master that went may have been replaced (failover): the map says.
    fetch_.Request();
    CheckReady();
  });
  nodes_.emplace(key, std::move(node));
  if (!stopped_) n->redis->Start();
  return n;
}

AsyncCluster::Node* AsyncCluster::AnyReadyMaster() {
  for (const HostPort& m : masters_) {
    auto it = nodes_.find(m.ToString());
    if (it != nodes_.end() && it->second->redis->connected())
      return it->second.get();
  }
  for (const HostPort& m : masters_) NodeAt(m);
  return nullptr;
}

void AsyncCluster::OnMap(Result<SlotMap> map) {
  if (stopped_) return;
  if (!map.ok()) {
    if (fetch_failures_++ % 20 == 0)
      LOGR(WARNING) << name_ << ": " << map.status().message()
                    << "; asking again";
    return;
  }
  fetch_failures_ = 0;
  std::string before = Join(masters_);
  map_ = std::move(map).value();
  masters_ = MastersOf(*map_);
  if (Join(masters_) != before)
    LOGR(INFO) << name_ << ": masters " << Join(masters_)
               << (map_->complete() ? "" : "; some slots have none");
  fetch_.set_known(map_->nodes());
  RetireStale();
  // One connection at least, for connected(); the others when used.
  if (nodes_.empty() && !masters_.empty()) NodeAt(masters_.front());
  CheckReady();
  waiting_.WakeAll();
}

void AsyncCluster::RetireStale() {
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    bool master = std::any_of(
        masters_.begin(), masters_.end(),
        [&](const HostPort& m) { return m.ToString() == it->first; });
    if (master) {
      ++it;
      continue;
    }
    LOGR(INFO) << name_ << ": closing the connection to " << it->first
               << ", no master now";
    it->second->retired = true;
    it->second->close_by = DeadlineIn(kRetireWait_s);
    retiring_.push_back(std::move(it->second));
    it = nodes_.erase(it);
  }
  if (!retiring_.empty() && !reap_.pending()) reap_.ArmTimer(0);
}

void AsyncCluster::Reap() {
  // On a timer, never inside a hiredis callback: a Node goes with its
  // AsyncRedis, whose contexts hiredis must have let go of.
  auto now = WaitList::Clock::now();
  std::vector<std::unique_ptr<Node>> closing;
  std::optional<WaitList::Clock::time_point> next;
  for (auto it = retiring_.begin(); it != retiring_.end();) {
    if ((*it)->in_flight == 0 || now >= (*it)->close_by) {
      closing.push_back(std::move(*it));
      it = retiring_.erase(it);
      continue;
    }
    if (!next || (*it)->close_by < *next) next = (*it)->close_by;
    ++it;
  }
  if (next) reap_.ArmTimer(std::chrono::duration<double>(*next - now).count());
  // What one still owes is answered (kUnavailable) before Stop returns,
  // through OnReply, while the Node is still there.
  for (auto& node : closing) node->redis->Stop();
}

}  // namespace coyotes
