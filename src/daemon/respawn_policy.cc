#include "daemon/respawn_policy.h"

#include <algorithm>
#include <cmath>

namespace coyotes {

double RespawnPolicy::NextDelay(double lived_s, int* quick_deaths) const {
  if (lived_s >= quick_death_s) {
    *quick_deaths = 0;
    return 0;
  }
  int n = std::min(*quick_deaths, 30);
  *quick_deaths += 1;
  return std::min(max_delay_s, min_delay_s * std::pow(2.0, n));
}

}  // namespace coyotes
