// The wall clock in Unix milliseconds: due times, record times and the
// waits measured against them. Intervals use steady_clock instead.
#ifndef COYOTES_BASE_WALL_CLOCK_H_
#define COYOTES_BASE_WALL_CLOCK_H_

#include <chrono>
#include <cstdint>

namespace coyotes {

inline int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Seconds on the steady clock since `t`.
inline double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t)
      .count();
}

}  // namespace coyotes

#endif  // COYOTES_BASE_WALL_CLOCK_H_
