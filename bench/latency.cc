// One task at a time; see latency.h.
#include "latency.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "bench_util.h"
#include "http_client.h"
#include "task_items.h"

namespace bench {

// One task at a time: ms from the push to the file existing.
void Latency(TasksCtx& t, bool http) {
  const char* name = http ? "latency_http" : "latency_redis";
  const std::string dir = t.dir + "/" + name;
  bench::MakeDir(dir);
  bench::CreateWatch watch(dir);
  std::unique_ptr<HttpConn> conn;
  if (http) conn = std::make_unique<HttpConn>(t.http_port);
  BENCH_LOG("%s: %d tasks one at a time", name, static_cast<int>(t.n));
  std::vector<double> ms;
  long errors = 0;
  long long done = Completed(t);
  for (long i = 0; i < t.n; i++) {
    const std::string file = std::to_string(i);
    const std::string cmd = "touch " + dir + "/" + file;
    std::string req;
    std::string item;
    if (http)
      req = HttpConn::PostForm("/channels/default", "task=" + UrlEncode(cmd));
    else
      item = ShellItem(cmd, "default");
    const double t0 = Now();
    if (http) {
      if (!conn->ok() || !conn->Send(req)) {
        errors++;
        conn = std::make_unique<HttpConn>(t.http_port);
        continue;
      }
    } else {
      t.redis->Run({"LPUSH", t.keys.Prepare(), item});
    }
    const double t1 = watch.Next(file, 10);
    if (http && conn->Read() != 200) errors++;
    if (std::isfinite(t1))
      ms.push_back((t1 - t0) * 1000);
    else
      errors++;
    // The next task starts once this one is recorded: one at a time.
    done++;
    WaitCompleted(t, done, 10);
  }
  bench::EmitLatency(name, ms, errors);
}

}  // namespace bench
