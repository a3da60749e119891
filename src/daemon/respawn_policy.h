// When to restart a worker that died: a pure function of its recent history.
//
// A worker that ran for a while and died is restarted at once; one that dies
// soon after its start is restarted after a delay that doubles with each
// quick death up to a ceiling, so a worker that crashes at once (Redis
// refuses it, a bug) costs little CPU and its log stays readable.
#ifndef COYOTES_DAEMON_RESPAWN_POLICY_H_
#define COYOTES_DAEMON_RESPAWN_POLICY_H_

#include <cstdint>

namespace coyotes {

struct RespawnPolicy {
  double quick_death_s = 5;  // a life shorter than this counts as a crash
  double min_delay_s = 0.1;
  double max_delay_s = 30;

  // Delay in seconds before the next start, given how long the last life
  // lasted and how many quick deaths came in a row before it (updated).
  double NextDelay(double lived_s, int* quick_deaths) const;
};

}  // namespace coyotes

#endif  // COYOTES_DAEMON_RESPAWN_POLICY_H_
