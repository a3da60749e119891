// Slots, the slot map and redirects: see cluster_slots.h. The slot
// function is the one Redis Cluster's specification defines (CRC16-XMODEM,
// polynomial 0x1021, mod 16384, hash tags).
#include "store/cluster_slots.h"

#include <strings.h>

#include <algorithm>
#include <cstdlib>

namespace coyotes {
namespace {

constexpr std::array<uint16_t, 256> MakeCrcTable() {
  std::array<uint16_t, 256> t{};
  for (int i = 0; i < 256; ++i) {
    uint16_t crc = static_cast<uint16_t>(i << 8);
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    t[i] = crc;
  }
  return t;
}
constexpr std::array<uint16_t, 256> kCrcTable = MakeCrcTable();

uint16_t Crc16(std::string_view s) {
  uint16_t crc = 0;
  for (unsigned char c : s)
    crc =
        static_cast<uint16_t>((crc << 8) ^ kCrcTable[((crc >> 8) ^ c) & 0xff]);
  return crc;
}

bool SameNode(const HostPort& a, const HostPort& b) {
  return a.port == b.port && a.host == b.host;
}

// A node entry of CLUSTER SLOTS: [host, port, id, ...].
Result<HostPort> NodeOf(const redisReply* r, const HostPort& asked) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
      r->element[0]->type != REDIS_REPLY_STRING ||
      r->element[1]->type != REDIS_REPLY_INTEGER)
    return InvalidArgument("CLUSTER SLOTS: a node is not [host, port, ...]");
  HostPort hp;
  hp.host.assign(r->element[0]->str, r->element[0]->len);
  if (hp.host.empty() || hp.host == "?") hp.host = asked.host;
  hp.port = static_cast<int>(r->element[1]->integer);
  if (hp.port <= 0 || hp.port > 65535)
    return InvalidArgument("CLUSTER SLOTS: port out of range");
  return hp;
}

}  // namespace

int KeySlot(std::string_view key) {
  size_t open = key.find('{');
  if (open != std::string_view::npos) {
    size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1)
      key = key.substr(open + 1, close - open - 1);
  }
  return Crc16(key) & (kClusterSlots - 1);
}

Result<SlotMap> SlotMap::FromReply(const redisReply* reply,
                                   const HostPort& asked) {
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY)
    return InvalidArgument("CLUSTER SLOTS: not an array");
  SlotMap map;
  for (size_t i = 0; i < reply->elements; ++i) {
    const redisReply* range = reply->element[i];
    if (range->type != REDIS_REPLY_ARRAY || range->elements < 3 ||
        range->element[0]->type != REDIS_REPLY_INTEGER ||
        range->element[1]->type != REDIS_REPLY_INTEGER)
      return InvalidArgument(
          "CLUSTER SLOTS: a range is not [first, last, ...]");
    long long first = range->element[0]->integer;
    long long last = range->element[1]->integer;
    if (first < 0 || last >= kClusterSlots || first > last)
      return InvalidArgument("CLUSTER SLOTS: slot range out of bounds");
    auto master = NodeOf(range->element[2], asked);
    if (!master.ok()) return master.status();
    auto it = std::find_if(
        map.masters_.begin(), map.masters_.end(),
        [&](const HostPort& m) { return SameNode(m, master.value()); });
    int index = static_cast<int>(it - map.masters_.begin());
    if (it == map.masters_.end()) map.masters_.push_back(master.value());
    for (long long s = first; s <= last; ++s)
      map.owner_[s] = static_cast<int16_t>(index);
    for (size_t j = 3; j < range->elements; ++j) {
      auto replica = NodeOf(range->element[j], asked);
      if (!replica.ok()) return replica.status();
      bool known = std::any_of(
          map.replicas_.begin(), map.replicas_.end(),
          [&](const HostPort& r) { return SameNode(r, replica.value()); });
      if (!known) map.replicas_.push_back(replica.value());
    }
  }
  return map;
}

const HostPort* SlotMap::MasterOf(int slot) const {
  if (slot < 0 || slot >= kClusterSlots || owner_[slot] < 0) return nullptr;
  return &masters_[owner_[slot]];
}

bool SlotMap::complete() const {
  return std::none_of(owner_.begin(), owner_.end(),
                      [](int16_t o) { return o < 0; });
}

std::vector<HostPort> SlotMap::nodes() const {
  std::vector<HostPort> all = masters_;
  for (const auto& r : replicas_) {
    bool known = std::any_of(all.begin(), all.end(),
                             [&](const HostPort& m) { return SameNode(m, r); });
    if (!known) all.push_back(r);
  }
  return all;
}

void SlotMap::Move(int slot, const HostPort& to) {
  if (slot < 0 || slot >= kClusterSlots) return;
  auto it = std::find_if(masters_.begin(), masters_.end(),
                         [&](const HostPort& m) { return SameNode(m, to); });
  int index = static_cast<int>(it - masters_.begin());
  if (it == masters_.end()) masters_.push_back(to);
  owner_[slot] = static_cast<int16_t>(index);
}

std::optional<Redirect> ParseRedirect(std::string_view error) {
  Redirect r;
  if (error.starts_with("MOVED ")) {
    r.kind = Redirect::kMoved;
    error.remove_prefix(6);
  } else if (error.starts_with("ASK ")) {
    r.kind = Redirect::kAsk;
    error.remove_prefix(4);
  } else {
    return std::nullopt;
  }
  size_t space = error.find(' ');
  if (space == 0 || space == std::string_view::npos) return std::nullopt;
  std::string slot(error.substr(0, space));
  if (slot.size() > 5 || slot.find_first_not_of("0123456789") != slot.npos)
    return std::nullopt;
  r.slot = std::atoi(slot.c_str());
  if (r.slot >= kClusterSlots) return std::nullopt;
  auto to = ParseHostPort(std::string(error.substr(space + 1)));
  if (!to.ok() || to.value().port == 0) return std::nullopt;
  r.to = to.value();
  return r;
}

std::optional<std::string_view> RoutingKey(
    const std::vector<std::string>& argv) {
  if (argv.size() < 2) return std::nullopt;
  const std::string& cmd = argv[0];
  auto is = [&](const char* name) {
    return strcasecmp(cmd.c_str(), name) == 0;
  };
  if (is("EVAL") || is("EVALSHA") || is("EVAL_RO") || is("EVALSHA_RO")) {
    if (argv.size() < 4 || argv[2] == "0") return std::nullopt;
    return std::string_view(argv[3]);
  }
  static constexpr const char* kKeyless[] = {
      "PING",   "INFO",     "AUTH",      "HELLO",     "SELECT",
      "ROLE",   "WAIT",     "TIME",      "SCRIPT",    "CLUSTER",
      "CLIENT", "CONFIG",   "PUBLISH",   "SUBSCRIBE", "UNSUBSCRIBE",
      "ASKING", "READONLY", "READWRITE", "SLOWLOG",   "COMMAND",
      "DBSIZE", "DEBUG",    "FLUSHALL",  "FLUSHDB",   "ECHO"};
  for (const char* k : kKeyless)
    if (is(k)) return std::nullopt;
  return std::string_view(argv[1]);
}

}  // namespace coyotes
