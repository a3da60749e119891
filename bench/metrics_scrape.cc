// GET /metrics with many channels; see metrics_scrape.h.
#include "metrics_scrape.h"

#include <time.h>

#include <string>
#include <vector>

#include "bench_redis.h"
#include "http_client.h"

namespace bench {

// Against a --task-mode=false daemon (no workers for the channels), with
// --channels channels in Redis, each with a few queued items: --scrapes
// GET /metrics one after another on one keep-alive connection, timed from
// the request sent to the answer read. The Redis commands of the whole
// run are counted from INFO (ours subtracted) and divided by the scrapes.
int Metrics(const bench::Args& args) {
  Redis redis(args.Need("redis"));
  Keys keys{
      args.Str("namespace", "").empty() ? "" : args.Str("namespace", "") + ":"};
  const long channels = args.Int("channels", 1000);
  const long scrapes = args.Int("scrapes", 200);
  const int port = static_cast<int>(args.Int("http", 0));
  for (long i = 0; i < channels; i++) {
    std::string c = "m" + std::to_string(i);
    redis.Run({"HSET", keys.p + "coyotes:channels", c, "{\"distinct\":false}"});
    redis.Run({"LPUSH", keys.Queue(c), "{\"a\":1,\"id\":\"x" + c + "\"}"});
  }
  auto now = [] {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
  };
  HttpConn http(port);
  const std::string req = "GET /metrics HTTP/1.1\r\nHost: bench\r\n\r\n";
  // One scrape first: the daemon learns the channels, the script is
  // loaded.
  std::string body;
  http.Send(req);
  http.Read(&body);
  // Script calls, not commands: Redis counts the calls a script makes as
  // commands too. The daemon's own pollers (promotion, schedules,
  // callbacks: one script a second each) are in the count.
  auto scripts = [&redis] {
    auto stats = redis.CommandStats();
    return stats["evalsha"] + stats["eval"];
  };
  const long long before = scripts();
  std::vector<double> ms;
  long errors = 0;
  size_t bytes = 0;
  for (long i = 0; i < scrapes; i++) {
    double t0 = now();
    int status = http.Send(req) ? http.Read(&body) : 0;
    double t1 = now();
    // Every channel's queue length must be there, or the figure is void.
    if (status != 200 || body.find("coyotes_queue_length{channel=\"m" +
                                   std::to_string(channels - 1) + "\"} 1") ==
                             std::string::npos) {
      errors++;
      continue;
    }
    bytes = body.size();
    ms.push_back((t1 - t0) * 1000);
  }
  const long long total = scripts() - before;
  BENCH_LOG(
      "metrics: %ld channels, %ld scrapes, %zu bytes each, %lld Redis "
      "script calls",
      channels, scrapes, bytes, total);
  EmitLatency("metrics_scrape", ms, errors);
  json_t* o = Figure("metrics_redis_calls",
                     scrapes > 0 ? static_cast<double>(total) / scrapes : 0,
                     "script calls/scrape");
  SetInt(o, "channels", channels);
  Emit(o);
  return 0;
}

}  // namespace bench
