// Polling helpers for tests. Tests never sleep to synchronise: they poll a
// condition until it holds or a deadline passes.

#ifndef COYOTES_TESTS_SUPPORT_WAIT_H_
#define COYOTES_TESTS_SUPPORT_WAIT_H_

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

namespace coyotes::testing {

// Seconds on the monotonic clock (arbitrary origin); for deadlines.
inline double NowSeconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Calls `cond` every `poll_s` seconds until it returns true (returns true) or
// `timeout_s` seconds have passed (returns false). `cond` is always called at
// least once, and once more at the deadline, so a condition that became true
// during the last sleep is still seen.
inline bool WaitFor(std::function<bool()> cond, double timeout_s,
                    double poll_s = 0.01) {
  const double deadline = NowSeconds() + timeout_s;
  for (;;) {
    if (cond()) return true;
    const double left = deadline - NowSeconds();
    if (left <= 0) return false;
    std::this_thread::sleep_for(
        std::chrono::duration<double>(std::min(poll_s, left)));
    if (NowSeconds() >= deadline) return cond();
  }
}

}  // namespace coyotes::testing

#endif  // COYOTES_TESTS_SUPPORT_WAIT_H_
