// WaitList: see wait_list.h. Items are always taken out of the list before
// they run, because running one may add items, wake the list again or stop
// its owner.
#include "base/wait_list.h"

#include <utility>
#include <vector>

namespace coyotes {

WaitList::WaitList(EventBase* base)
    : timer_(base, -1, 0, [this](short) { Expire(); }) {}

void WaitList::Add(Clock::time_point deadline, Then then) {
  bool earliest = items_.empty() || deadline < items_.begin()->first;
  items_.emplace(deadline, std::move(then));
  if (earliest) Arm();
}

void WaitList::WakeAll() {
  std::multimap<Clock::time_point, Then> woken;
  woken.swap(items_);
  timer_.Del();
  for (auto& [deadline, then] : woken) then(false);
  // Those added while we ran: their timer was armed on the list they
  // joined; arm it again in case an item's run disarmed it.
  if (!items_.empty()) Arm();
}

void WaitList::Expire() {
  auto now = Clock::now();
  std::vector<Then> due;
  while (!items_.empty() && items_.begin()->first <= now) {
    due.push_back(std::move(items_.begin()->second));
    items_.erase(items_.begin());
  }
  if (!items_.empty()) Arm();
  for (Then& then : due) then(true);
}

void WaitList::Arm() {
  if (items_.empty()) {
    timer_.Del();
    return;
  }
  timer_.ArmTimer(
      std::chrono::duration<double>(items_.begin()->first - Clock::now())
          .count());
}

}  // namespace coyotes
