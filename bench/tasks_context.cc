// Counting finished tasks; see tasks_context.h.
#include "tasks_context.h"

#include <cstdlib>

#include "bench_util.h"

namespace bench {

long long Completed(TasksCtx& t, long long* failed) {
  Reply r = t.redis->Run({"HMGET", t.keys.Stats(), "succeeded", "failed"});
  long long s = 0, f = 0;
  if (r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
    if (r->element[0]->type == REDIS_REPLY_STRING)
      s = std::atoll(r->element[0]->str);
    if (r->element[1]->type == REDIS_REPLY_STRING)
      f = std::atoll(r->element[1]->str);
  }
  if (failed) *failed = f;
  return s + f;
}

bool WaitCompleted(TasksCtx& t, long long target, double timeout_s) {
  const double deadline = Now() + timeout_s;
  while (Now() < deadline) {
    if (Completed(t) >= target) return true;
    bench::SleepS(0.002);
  }
  return Completed(t) >= target;
}

}  // namespace bench
