// Latency figures: one task at a time, ms from the push (LPUSH for
// latency_redis, POST on a keep-alive connection for latency_http) to the
// task's file existing; the next task is pushed once the previous one is
// recorded as finished.
#ifndef COYOTES_BENCH_LATENCY_H_
#define COYOTES_BENCH_LATENCY_H_

#include "tasks_context.h"

namespace bench {

// t.n samples; prints latency_http when `http`, else latency_redis.
void Latency(TasksCtx& t, bool http);

}  // namespace bench

#endif  // COYOTES_BENCH_LATENCY_H_
