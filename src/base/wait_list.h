// WaitList: work that waits on the loop for something to change (a
// connection made, a map fetched), each item no longer than its own
// deadline. Each item runs exactly once: when the list is woken, or when its
// deadline passes first.
//
// The owner wakes the list when anything it waits for changes, and at its
// Stop(); an item that finds its wait not over adds itself again with the
// same deadline. Items dropped by the destructor never run, so an owner
// wakes the list before it goes.
#ifndef COYOTES_BASE_WAIT_LIST_H_
#define COYOTES_BASE_WAIT_LIST_H_

#include <chrono>
#include <functional>
#include <map>

#include "base/event_loop.h"

namespace coyotes {

class WaitList {
 public:
  using Clock = std::chrono::steady_clock;
  // timed_out: the deadline passed before the list was woken.
  using Then = std::function<void(bool timed_out)>;

  explicit WaitList(EventBase* base);
  WaitList(const WaitList&) = delete;
  WaitList& operator=(const WaitList&) = delete;

  void Add(Clock::time_point deadline, Then then);
  // Runs every item now waiting, in deadline order. Items added meanwhile
  // (by the items run) wait for the next wake.
  void WakeAll();
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }

 private:
  // Runs the items whose deadline passed, and arms the timer for the next.
  void Expire();
  void Arm();

  // Equal deadlines keep their order of arrival.
  std::multimap<Clock::time_point, Then> items_;
  Event timer_;
};

// `seconds` from now, on WaitList's clock.
inline WaitList::Clock::time_point DeadlineIn(double seconds) {
  return WaitList::Clock::now() +
         std::chrono::duration_cast<WaitList::Clock::duration>(
             std::chrono::duration<double>(seconds));
}

}  // namespace coyotes

#endif  // COYOTES_BASE_WAIT_LIST_H_
