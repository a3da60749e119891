// SlotMapFetch: see slot_map_fetch.h.
#include "store/slot_map_fetch.h"

#include <algorithm>
#include <utility>

namespace coyotes {
namespace {

constexpr double kMinInterval_s = 0.2;
constexpr double kMaxBackoff_s = 5;
constexpr double kNodeTimeout_s = 1;

}  // namespace

SlotMapFetch::SlotMapFetch(EventBase* base, std::vector<std::string> auth,
                           std::vector<HostPort> seeds, Done done)
    : auth_(std::move(auth)),
      seeds_(std::move(seeds)),
      done_(std::move(done)),
      probe_(base),
      start_(base, -1, 0, [this](short) { StartRound(); }) {}

void SlotMapFetch::Request() {
  if (in_round_) {
    again_ = true;
    return;
  }
  if (start_.pending()) return;
  double wait = WaitBeforeRound();
  if (wait > 0) {
    start_.ArmTimer(wait);
    return;
  }
  StartRound();
}

double SlotMapFetch::WaitBeforeRound() const {
  return std::max(kMinInterval_s, backoff_s_) -
         std::chrono::duration<double>(Clock::now() - last_start_).count();
}

void SlotMapFetch::Cancel() {
  start_.Del();
  in_round_ = false;
  again_ = false;
  probe_.Cancel();
}

void SlotMapFetch::StartRound() {
  in_round_ = true;
  again_ = false;
  last_start_ = Clock::now();
  round_.clear();
  for (const auto* list : {&known_, &seeds_})
    for (const HostPort& hp : *list)
      if (std::none_of(round_.begin(), round_.end(), [&](const HostPort& r) {
            return r.ToString() == hp.ToString();
          }))
        round_.push_back(hp);
  next_ = 0;
  errors_.clear();
  partial_.reset();
  AskNext();
}

void SlotMapFetch::AskNext() {
  if (next_ >= round_.size()) {
    if (partial_) {
      EndRound(std::move(*partial_));
      return;
    }
    EndRound(Unavailable("CLUSTER SLOTS: no node answered" +
                         (errors_.empty() ? "" : " (" + errors_ + ")")));
    return;
  }
  HostPort asked = round_[next_++];
  // The probe may answer before Ask returns (a refused connection).
  probe_.Ask(asked, auth_, {"CLUSTER", "SLOTS"}, kNodeTimeout_s,
             [this, asked](Result<const redisReply*> r) {
               OnAnswer(asked, std::move(r));
             });
}

void SlotMapFetch::OnAnswer(const HostPort& asked,
                            Result<const redisReply*> r) {
  if (!in_round_) return;
  Result<SlotMap> map = r.ok() ? SlotMap::FromReply(r.value(), asked)
                               : Result<SlotMap>(r.status());
  if (map.ok() && map.value().complete()) {
    EndRound(std::move(map).value());
    return;
  }
  if (map.ok()) {
    // A node that left the cluster, or one set up a moment ago, knows part
    // of the map only; another may know it all.
    if (!partial_) partial_ = std::move(map).value();
  } else {
    if (!errors_.empty()) errors_ += "; ";
    errors_ += asked.ToString() + ": " + map.status().message();
  }
  AskNext();
}

void SlotMapFetch::EndRound(Result<SlotMap> outcome) {
  in_round_ = false;
  bool failed = !outcome.ok();
  backoff_s_ =
      failed ? std::clamp(backoff_s_ * 2, kMinInterval_s * 2, kMaxBackoff_s)
             : 0;
  bool again = again_ || failed;
  again_ = false;
  // On the timer, even when due at once: a round started here could end
  // (every node refusing) and report before this one.
  if (again) start_.ArmTimer(std::max(0.0, WaitBeforeRound()));
  done_(std::move(outcome));
}

}  // namespace coyotes
