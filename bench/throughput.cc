// Throughput runs; see throughput.h. The clock starts just before the first
// push and stops when the N-th file exists (bench::CreateCounter), the same
// finish line as spawn_ceiling's, so the two rates compare.
#include "throughput.h"

#include <jansson.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "http_client.h"
#include "proc_stats.h"
#include "task_items.h"

namespace bench {

namespace {

// Sends the items over HTTP: `threads` threads with `per_thread` keep-alive
// connections each; a thread sends one request on each of its connections,
// then reads the answers. Returns the number of non-200 answers.
long PostAll(int port, const std::vector<std::string>& requests, int threads,
             int per_thread) {
  std::atomic<long> bad{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; t++) {
    ts.emplace_back([&, t] {
      std::vector<std::unique_ptr<HttpConn>> conns;
      for (int k = 0; k < per_thread; k++)
        conns.push_back(std::make_unique<HttpConn>(port));
      size_t i = t;
      while (i < requests.size()) {
        std::vector<HttpConn*> sent;
        for (auto& c : conns) {
          if (i >= requests.size()) break;
          if (c->Send(requests[i]))
            sent.push_back(c.get());
          else
            bad++;
          i += threads;
        }
        for (HttpConn* c : sent)
          if (c->Read() != 200) bad++;
      }
    });
  }
  for (auto& th : ts) th.join();
  return bad.load();
}

struct Variant {
  const char* figure;
  const char* what;
  // The producer item (LPUSH) or the form body (HTTP) of task i whose file
  // is `file`.
  std::function<std::string(long i, const std::string& file)> item;
  bool http = false;
};

void RunVariant(TasksCtx& t, const Variant& v, StatsWindow* stats) {
  const std::string dir = t.dir + "/" + v.figure;
  bench::MakeDir(dir);
  std::vector<std::string> items;
  items.reserve(t.n);
  for (long i = 0; i < t.n; i++) {
    std::string it = v.item(i, dir + "/" + std::to_string(i));
    if (v.http)
      it = HttpConn::PostForm("/channels/default", "task=" + UrlEncode(it));
    items.push_back(std::move(it));
  }
  BENCH_LOG("%s: %ld tasks (%s)", v.figure, t.n, v.what);
  long long failed0 = 0;
  const long long base = Completed(t, &failed0);
  bench::CreateCounter counter(dir);
  if (stats) stats->before = t.redis->CommandStats();
  const long long cmds0 = t.redis->commands();
  CpuWindow cpu(t.master, t.redis_pid);
  cpu.Start();
  const double t0 = Now();
  long bad = 0;
  if (v.http) {
    bad = PostAll(t.http_port, items, 4, 2);
  } else {
    t.redis->LPushAll(t.keys.Prepare(), items);
  }
  const double pushed = Now() - t0;
  const double t1 = counter.Wait(t.n, std::max(60.0, t.n / 50.0));
  const bool done = WaitCompleted(t, base + t.n, 60);
  json_t* cpu_total = cpu.Stop();
  long long failed1 = 0;
  Completed(t, &failed1);
  if (stats) {
    stats->bench_lpush = t.redis->commands() - cmds0;
    stats->after = t.redis->CommandStats();
  }
  json_t* o = bench::Figure(v.figure, t.n / (t1 - t0), "tasks/s");
  bench::SetStr(o, "task", v.what);
  bench::SetInt(o, "n", t.n);
  bench::SetInt(o, "c", t.c);
  bench::SetNum(o, "seconds", t1 - t0);
  bench::SetNum(o, "push_seconds", pushed);
  bench::SetInt(o, "failed", failed1 - failed0);
  if (v.http) bench::SetInt(o, "http_errors", bad);
  json_object_set_new(o, "cpu_ms_total", cpu_total);
  if (!std::isfinite(t1))
    bench::SetStr(o, "error",
                  "timeout: " + std::to_string(counter.count()) + " of " +
                      std::to_string(t.n) + " files");
  else if (!done)
    bench::SetStr(o, "error", "not every task was recorded as finished");
  bench::Emit(o);
}

}  // namespace

void ThroughputSimple(TasksCtx& t, StatsWindow* stats) {
  const Variant simple = {"throughput_simple", "touch DIR/i",
                          [](long, const std::string& f) {
                            return ShellItem("touch " + f, "default");
                          }};
  RunVariant(t, simple, stats);
}

void ThroughputShell(TasksCtx& t) {
  const Variant shell = {"throughput_shell", "touch DIR/i && true",
                         [](long, const std::string& f) {
                           return ShellItem("touch " + f + " && true",
                                            "default");
                         }};
  RunVariant(t, shell, nullptr);
}

void ThroughputArgv(TasksCtx& t) {
  const Variant argv = {
      "throughput_argv", "{command: touch, args: [DIR/i]} (no shell)",
      [](long, const std::string& f) { return ArgvItem(f, "default"); }};
  RunVariant(t, argv, nullptr);
}

void ThroughputHttp(TasksCtx& t) {
  Variant http = {"throughput_http",
                  "touch DIR/i, POST /channels/default, 8 keep-alive "
                  "connections on 4 threads",
                  [](long, const std::string& f) { return "touch " + f; }};
  http.http = true;
  RunVariant(t, http, nullptr);
}

// Two channels: the second one's workers start on its first task, so a
// warm-up task goes there first.
void ThroughputTwoChannels(TasksCtx& t) {
  const std::string warm = t.dir + "/warm2";
  bench::MakeDir(warm);
  long long base = Completed(t);
  t.redis->Run(
      {"LPUSH", t.keys.Prepare(), ShellItem("touch " + warm + "/0", "second")});
  WaitCompleted(t, base + 1, 30);
  const Variant two = {"throughput_two_channels",
                       "touch DIR/i, half on channel default, half on second",
                       [](long i, const std::string& f) {
                         return ShellItem("touch " + f,
                                          i % 2 ? "second" : "default");
                       }};
  RunVariant(t, two, nullptr);
}

}  // namespace bench
