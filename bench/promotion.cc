// Lateness of delayed tasks; see promotion.h.
#include "promotion.h"

#include <time.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_redis.h"

namespace bench {

// Lateness of the promotion of N delayed tasks all due at the same instant
// (run_at), against a --task-mode=false daemon so that only routing and
// promotion run. The delayed set is polled every millisecond after the
// due time; the k-th task counts as promoted when the set's size has
// dropped by k, so each sample is at most one poll (~1 ms) late.
int Promote(const bench::Args& args) {
  Redis redis(args.Need("redis"));
  Keys keys{
      args.Str("namespace", "").empty() ? "" : args.Str("namespace", "") + ":"};
  const long n = args.Int("n", 10000);
  const std::string delayed = keys.p + "coyotes:delayed";
  auto wall = [] {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
  };
  // Due two whole seconds from now, so that routing is over by then.
  const double due = std::floor(wall()) + 3;
  std::vector<std::string> items;
  for (long i = 0; i < n; i++) {
    char at[32];
    std::snprintf(at, sizeof(at), "%.3f", due);
    items.push_back("{\"task\":\"true\",\"chan\":\"promote\",\"run_at\":" +
                    std::string(at) + "}");
  }
  BENCH_LOG("promotion: %ld tasks due at %.3f", n, due);
  redis.LPushAll(keys.Prepare(), items);
  long errors = 0;
  const double routed_by = due - 0.2;
  while (redis.Int({"ZCARD", delayed}) < n && wall() < routed_by)
    bench::SleepS(0.01);
  if (redis.Int({"ZCARD", delayed}) < n) {
    BENCH_LOG("promotion: only %lld of %ld routed before the due time",
              redis.Int({"ZCARD", delayed}), n);
    errors++;
  }
  while (wall() < due) bench::SleepS(0.0005);
  std::vector<double> ms;
  long left = n;
  const double give_up = due + 10;
  while (left > 0 && wall() < give_up) {
    long now_left = redis.Int({"ZCARD", delayed});
    double t = wall();
    for (; left > now_left; left--) ms.push_back((t - due) * 1000);
    if (left > 0) bench::SleepS(0.001);
  }
  errors += left;
  bench::EmitLatency("promotion_lateness", ms, errors);
  return 0;
}

}  // namespace bench
