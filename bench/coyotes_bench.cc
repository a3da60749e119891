// coyotes_bench: drives a running coyotes and its Redis and prints one JSON
// line per figure on stdout (progress on stderr). bench/run.sh starts the
// servers and calls the subcommands in turn:
//
//   coyotes_bench tasks  --redis=H:P --http=PORT --dir=D --pid=PID
//                        [--n=N --c=C --lat-n=L] [--only=PART,...]
//       throughput, latency, Redis commands per task, peak memory after
//       the load (daemon with --concurrent=C, no --namespace); PARTs:
//       simple shell argv http two monitor latency after_load
//   coyotes_bench memory --redis=H:P --namespace=NS --pid=PID --dir=D
//                        [--queued=Q --c=C]
//       RSS of master + workers with 1,000 and with Q tasks queued; ends
//       by sending SIGTERM to PID (see Memory())
//   coyotes_bench http   --redis=H:P --namespace=NS --http=PORT --dir=D
//                        [--seconds=S --conns=64 --threads=2]
//       wrk against GET / and against task POSTs (a --task-mode=false
//       daemon, so the POSTed tasks only queue)
//   coyotes_bench report --in=RAW [--out=FILE]
//       merges the rounds of the figures in RAW, prints one JSON line per
//       figure, the table of targets and one JSON line per target; appends
//       the figure and target lines to FILE
//   coyotes_bench free-port
//       prints a free loopback TCP port
//
// Every subcommand takes --run=ID, copied into each JSON line, and
// --round=R when bench/run.sh alternates ceiling and daemon in rounds.
//
// The clock of a throughput run starts just before the first push and
// stops when the N-th task's file exists (inotify IN_CREATE on a fresh
// directory, read on a thread of its own): the same finish line as
// spawn_ceiling's, so the two rates compare.
#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <tuple>

#include "bench_redis.h"
#include "bench_util.h"
#include "http_client.h"
#include "proc_stats.h"
#include "task_items.h"
#include "tasks_context.h"

extern char** environ;

namespace {

using bench::AddMemory;
using bench::ArgvItem;
using bench::Children;
using bench::Completed;
using bench::CpuWindow;
using bench::HttpConn;
using bench::Keys;
using bench::MeasureDaemon;
using bench::Now;
using bench::Redis;
using bench::Reply;
using bench::ShellItem;
using bench::TasksCtx;
using bench::UrlEncode;
using bench::WaitCompleted;

// ---- the tasks subcommand ----

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

// Redis INFO commandstats deltas around a run, for the cost figure.
struct StatsWindow {
  std::map<std::string, long long> before, after;
  long long bench_lpush = 0;
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

void EmitRedisCost(const StatsWindow& w, long n) {
  long long all = 0, hset = 0;
  json_t* by = json_object();
  for (const auto& [cmd, calls] : w.after) {
    long long d = calls;
    auto it = w.before.find(cmd);
    if (it != w.before.end()) d -= it->second;
    // Ours: the N LPUSHes and the INFO calls around the window.
    if (cmd == "lpush") d -= w.bench_lpush;
    if (cmd == "info") d = 0;
    if (cmd == "hset") hset = d;
    if (d <= 0) continue;
    all += d;
    bench::SetInt(by, cmd.c_str(), d);
  }
  json_t* o = bench::Figure("redis_all_cmds_per_task",
                            static_cast<double>(all) / n, "commands/task");
  bench::SetInt(o, "tasks", n);
  bench::SetInt(o, "commands", all);
  json_object_set_new(o, "lua_counted", json_boolean(hset > 0));
  bench::SetStr(o, "note",
                "INFO commandstats around throughput_simple, the bench's own "
                "LPUSH and INFO removed; Redis 7 counts the commands Lua "
                "scripts call (cmdstat_hset is nonzero though coyotes only "
                "writes hashes from scripts), so this is every command Redis "
                "executed");
  json_object_set_new(o, "by_command", by);
  bench::Emit(o);
}

// A second, smaller run under MONITOR: tells commands sent by clients from
// commands run inside scripts ("[db lua]" lines), which commandstats cannot.
void MonitorRun(TasksCtx& t, const std::string& redis_addr) {
  const long m = std::min(t.n, 1000L);
  const std::string dir = t.dir + "/monitor";
  bench::MakeDir(dir);
  std::vector<std::string> items;
  for (long i = 0; i < m; i++)
    items.push_back(
        ShellItem("touch " + dir + "/" + std::to_string(i), "default"));
  BENCH_LOG("redis cost under MONITOR: %ld tasks", m);

  Redis mon(redis_addr);
  const std::string marker = "coyotes-bench-monitor-end";
  std::map<std::string, long long> client, lua;
  std::atomic<bool> started{false};
  const std::string self = t.redis->LocalAddr();
  std::thread reader([&] {
    redisAppendCommand(mon.ctx(), "MONITOR");
    for (;;) {
      void* raw = nullptr;
      if (redisGetReply(mon.ctx(), &raw) != REDIS_OK || raw == nullptr) break;
      Reply r(static_cast<redisReply*>(raw));
      if (r->type != REDIS_REPLY_STATUS) continue;
      std::string line(r->str, r->len);
      if (line == "OK") {
        started = true;
        continue;
      }
      if (line.find(marker) != std::string::npos) break;
      // 1700000000.123456 [0 127.0.0.1:5555] "evalsha" "..." ...
      size_t lb = line.find('['), rb = line.find(']');
      if (lb == std::string::npos || rb == std::string::npos) continue;
      std::string src = line.substr(lb + 1, rb - lb - 1);
      src = src.substr(src.find(' ') + 1);
      size_t q1 = line.find('"', rb), q2 = line.find('"', q1 + 1);
      if (q1 == std::string::npos || q2 == std::string::npos) continue;
      std::string cmd = line.substr(q1 + 1, q2 - q1 - 1);
      for (char& ch : cmd) ch = static_cast<char>(std::tolower(ch));
      if (src == "lua")
        lua[cmd]++;
      else if (src != self)
        client[cmd]++;
    }
  });
  while (!started) bench::SleepS(0.001);
  const long long base = Completed(t);
  bench::CreateCounter counter(dir);
  t.redis->LPushAll(t.keys.Prepare(), items);
  counter.Wait(m, std::max(60.0, m / 50.0));
  const bool done = WaitCompleted(t, base + m, 60);
  t.redis->Run({"ECHO", marker});
  reader.join();

  long long nclient = 0, nlua = 0;
  json_t* cby = json_object();
  json_t* lby = json_object();
  for (const auto& [k, v] : client) {
    nclient += v;
    bench::SetInt(cby, k.c_str(), v);
  }
  for (const auto& [k, v] : lua) {
    nlua += v;
    bench::SetInt(lby, k.c_str(), v);
  }
  json_t* o = bench::Figure("redis_client_cmds_per_task",
                            static_cast<double>(nclient) / m, "commands/task");
  bench::SetInt(o, "tasks", m);
  bench::SetInt(o, "client_commands", nclient);
  bench::SetNum(o, "lua_cmds_per_task", static_cast<double>(nlua) / m);
  bench::SetStr(o, "note",
                "commands the daemon's connections sent (MONITOR, the bench's "
                "own excluded), idle heartbeats and blocking-pop timeouts "
                "during the run included");
  if (!done) bench::SetStr(o, "error", "not every task finished");
  json_object_set_new(o, "client_by_command", cby);
  json_object_set_new(o, "lua_by_command", lby);
  bench::Emit(o);
}

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

int Tasks(const bench::Args& args) {
  const std::string redis_addr = args.Need("redis");
  Redis redis(redis_addr);
  TasksCtx t{
      &redis,
      Keys{args.Str("namespace").empty() ? "" : args.Str("namespace") + ":"},
      args.Need("dir"),
      static_cast<int>(args.Int("http", 0)),
      args.Int("n", 10000),
      static_cast<int>(args.Int("c", 5))};
  const long lat_n = args.Int("lat-n", 200);
  const pid_t pid = static_cast<pid_t>(args.Int("pid", 0));
  t.master = pid;
  t.redis_pid = static_cast<pid_t>(redis.InfoField("server", "process_id"));
  if (!bench::PlainPath(t.dir)) {
    std::fprintf(stderr, "--dir must be a plain path\n");
    return 2;
  }
  bench::MakeDir(t.dir);

  // Warm-up: the workers' connections have loaded their scripts.
  {
    const std::string warm = t.dir + "/warm";
    bench::MakeDir(warm);
    long long base = Completed(t);
    std::vector<std::string> items;
    for (int i = 0; i < t.c; i++)
      items.push_back(
          ShellItem("touch " + warm + "/" + std::to_string(i), "default"));
    redis.LPushAll(t.keys.Prepare(), items);
    if (!WaitCompleted(t, base + t.c, 30)) {
      std::fprintf(stderr, "coyotes ran no task within 30 s\n");
      return 1;
    }
  }

  StatsWindow stats;
  const Variant simple = {"throughput_simple", "touch DIR/i",
                          [](long, const std::string& f) {
                            return ShellItem("touch " + f, "default");
                          }};
  if (args.Only("simple")) {
    RunVariant(t, simple, &stats);
    EmitRedisCost(stats, t.n);
  }

  const Variant shell = {"throughput_shell", "touch DIR/i && true",
                         [](long, const std::string& f) {
                           return ShellItem("touch " + f + " && true",
                                            "default");
                         }};
  if (args.Only("shell")) RunVariant(t, shell, nullptr);

  const Variant argv = {
      "throughput_argv", "{command: touch, args: [DIR/i]} (no shell)",
      [](long, const std::string& f) { return ArgvItem(f, "default"); }};
  if (args.Only("argv")) RunVariant(t, argv, nullptr);

  Variant http = {"throughput_http",
                  "touch DIR/i, POST /channels/default, 8 keep-alive "
                  "connections on 4 threads",
                  [](long, const std::string& f) { return "touch " + f; }};
  http.http = true;
  if (t.http_port > 0 && args.Only("http")) RunVariant(t, http, nullptr);

  // Two channels: the second one's workers start on its first task, so a
  // warm-up task goes there first.
  if (args.Only("two")) {
    const std::string warm = t.dir + "/warm2";
    bench::MakeDir(warm);
    long long base = Completed(t);
    redis.Run({"LPUSH", t.keys.Prepare(),
               ShellItem("touch " + warm + "/0", "second")});
    WaitCompleted(t, base + 1, 30);
    const Variant two = {"throughput_two_channels",
                         "touch DIR/i, half on channel default, half on second",
                         [](long i, const std::string& f) {
                           return ShellItem("touch " + f,
                                            i % 2 ? "second" : "default");
                         }};
    RunVariant(t, two, nullptr);
  }

  if (args.Only("monitor")) MonitorRun(t, redis_addr);

  if (args.Only("latency")) {
    TasksCtx lt = t;
    lt.n = lat_n;
    Latency(lt, false);
    if (t.http_port > 0) Latency(lt, true);
  }

  if (pid > 0 && args.Only("after_load")) {
    json_t* o = bench::Figure("memory_after_load", NAN, "MB");
    double rss = AddMemory(o, MeasureDaemon(pid));
    json_object_set_new(o, "value", json_real(rss));
    bench::SetStr(o, "note",
                  "the throughput daemon after every run above (channels "
                  "default and second); hwm_mb is the sum of the peaks");
    bench::Emit(o);
  }
  return 0;
}

// ---- the memory subcommand ----
//
// Design. Tasks must stay queued while the daemon under test runs, so the
// daemon's own workers are kept busy: the bench first queues C "gate"
// tasks (`touch DIR/running/i && cat DIR/gate`, DIR/gate a FIFO that the
// bench holds open for writing), so every one of the C workers sits in a
// task that does not end; then it queues 1,000 `true` tasks through the
// producer list, waits until the router has moved them all to the channel
// queue, measures, queues up to Q and measures again. The daemon is a
// fresh one (--namespace of its own, channel "default" only), so "master +
// workers" is the master and its direct children, C + 1 processes; the
// gate tasks are the workers' children and are not counted.
//
// At the end the bench sends the master SIGTERM (a drain: workers take no
// new task once their task ends) and only then closes the FIFO: the gate
// tasks see EOF and end, the workers leave, the queued tasks stay in Redis.
int Memory(const bench::Args& args) {
  const std::string redis_addr = args.Need("redis");
  Redis redis(redis_addr);
  const Keys keys{args.Str("namespace").empty() ? ""
                                                : args.Str("namespace") + ":"};
  const pid_t pid = static_cast<pid_t>(args.Int("pid", 0));
  const std::string dir = args.Need("dir");
  const long queued = args.Int("queued", 100000);
  const int c = static_cast<int>(args.Int("c", 5));
  if (pid <= 0 || !bench::PlainPath(dir) || queued < 1) {
    std::fprintf(stderr, "memory: bad arguments\n");
    return 2;
  }
  bench::MakeDir(dir);
  const std::string gate = dir + "/gate";
  const std::string running = dir + "/running";
  bench::MakeDir(running);
  if (mkfifo(gate.c_str(), 0600) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "mkfifo %s: %s\n", gate.c_str(), std::strerror(errno));
    return 1;
  }
  // O_RDWR: opens at once, and the readers block in read() until we close.
  int gate_fd = open(gate.c_str(), O_RDWR | O_CLOEXEC);
  if (gate_fd < 0) {
    std::fprintf(stderr, "open %s: %s\n", gate.c_str(), std::strerror(errno));
    return 1;
  }

  const double deadline = Now() + 20;
  while (static_cast<int>(Children(pid).size()) < c && Now() < deadline)
    bench::SleepS(0.05);
  bench::SleepS(0.5);
  {
    json_t* o = bench::Figure("memory_idle", NAN, "MB");
    json_object_set_new(o, "value",
                        json_real(AddMemory(o, MeasureDaemon(pid))));
    bench::Emit(o);
  }

  BENCH_LOG("memory: blocking the %d workers", c);
  {
    bench::CreateCounter counter(running);
    std::vector<std::string> items;
    for (int i = 0; i < c; i++)
      items.push_back(ShellItem("touch " + running + "/" + std::to_string(i) +
                                    " && cat " + gate + " >/dev/null",
                                "default"));
    redis.LPushAll(keys.Prepare(), items);
    if (!std::isfinite(counter.Wait(c, 30)))
      BENCH_LOG("memory: only %ld of %d workers took a gate task",
                counter.count(), c);
  }

  auto fill_to = [&](long target, long already) {
    std::vector<std::string> items;
    items.reserve(target - already);
    for (long i = already; i < target; i++)
      items.push_back(ShellItem("true", "default"));
    redis.LPushAll(keys.Prepare(), items);
    const double until = Now() + std::max(60.0, target / 1000.0);
    while (Now() < until) {
      if (redis.Int({"LLEN", keys.Prepare()}) == 0 &&
          redis.Int({"LLEN", keys.Queue("default")}) >= target)
        return true;
      bench::SleepS(0.05);
    }
    return false;
  };
  const long small = std::min(1000L, queued);
  auto measure = [&](const char* figure, long target, long already) {
    BENCH_LOG("memory: %ld tasks queued", target);
    const double t0 = Now();
    const bool ok = fill_to(target, already);
    const double routed_s = Now() - t0;
    bench::SleepS(0.5);  // let the heartbeats and the master's timers run
    json_t* o = bench::Figure(figure, NAN, "MB");
    const double rss = AddMemory(o, MeasureDaemon(pid));
    json_object_set_new(o, "value", json_real(rss));
    bench::SetInt(o, "queued", redis.Int({"LLEN", keys.Queue("default")}));
    bench::SetNum(o, "route_seconds", routed_s);
    bench::SetNum(o, "route_rate", (target - already) / routed_s);
    bench::SetInt(o, "redis_used_memory",
                  redis.InfoField("memory", "used_memory"));
    if (!ok) bench::SetStr(o, "error", "timeout while queueing");
    bench::Emit(o);
    return rss;
  };
  const double rss_small = measure("memory_1000", small, 0);
  const double rss_big =
      queued > small ? measure("memory_queued", queued, small) : rss_small;
  if (queued <= small) {
    json_t* q = bench::Figure("memory_queued", rss_big, "MB");
    bench::SetInt(q, "queued", queued);
    bench::Emit(q);
  }
  json_t* g = bench::Figure("memory_growth", rss_big - rss_small, "MB");
  bench::SetInt(g, "from_queued", small);
  bench::SetInt(g, "to_queued", queued);
  bench::Emit(g);

  kill(pid, SIGTERM);
  bench::SleepS(0.3);
  close(gate_fd);
  return 0;
}

// ---- the http subcommand (wrk) ----

struct WrkResult {
  bool ok = false;
  double rps = NAN, p50_ms = NAN, p99_ms = NAN;
  long long requests = 0, non2xx = 0, socket_errors = 0;
  std::string output;
};

double ParseDurationMs(const std::string& s) {
  double v = std::atof(s.c_str());
  if (s.find("us") != std::string::npos) return v / 1000;
  if (s.find("ms") != std::string::npos) return v;
  if (s.find("m") != std::string::npos && s.find("s") == std::string::npos)
    return v * 60000;
  if (s.find("s") != std::string::npos) return v * 1000;
  return v;
}

WrkResult RunWrk(const std::vector<std::string>& argv) {
  WrkResult r;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return r;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  std::vector<char*> a;
  for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, a[0], &fa, nullptr, a.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    r.output = std::string("cannot run wrk: ") + std::strerror(rc);
    return r;
  }
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    r.output.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream w(line);
    std::string first;
    w >> first;
    if (first == "50%") {
      std::string v;
      w >> v;
      r.p50_ms = ParseDurationMs(v);
    } else if (first == "99%") {
      std::string v;
      w >> v;
      r.p99_ms = ParseDurationMs(v);
    } else if (first == "Requests/sec:") {
      w >> r.rps;
    } else if (line.find(" requests in ") != std::string::npos) {
      r.requests = std::atoll(first.c_str());
    } else if (line.find("Non-2xx or 3xx responses:") != std::string::npos) {
      r.non2xx = std::atoll(line.c_str() + line.find(':') + 1);
    } else if (first == "Socket") {
      // Socket errors: connect 0, read 0, write 0, timeout 0
      for (size_t p = line.find(' ', 15); p != std::string::npos;
           p = line.find(',', p + 1)) {
        std::istringstream e(line.substr(p + 1));
        std::string kind;
        long long k = 0;
        e >> kind >> k;
        r.socket_errors += k;
      }
    }
  }
  r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && std::isfinite(r.rps);
  return r;
}

int Http(const bench::Args& args) {
  Redis redis(args.Need("redis"));
  const Keys keys{args.Str("namespace").empty() ? ""
                                                : args.Str("namespace") + ":"};
  const int port = static_cast<int>(args.Int("http", 0));
  const std::string dir = args.Need("dir");
  const long seconds = args.Int("seconds", 10);
  const long conns = args.Int("conns", 64);
  const long threads = args.Int("threads", 2);
  bench::MakeDir(dir);
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::vector<std::string> common = {
      "wrk", "-t" + std::to_string(threads), "-c" + std::to_string(conns),
      "-d" + std::to_string(seconds) + "s", "--latency"};
  auto emit = [&](const char* fig, const WrkResult& r, const char* what) {
    json_t* o = bench::Figure(fig, r.rps, "requests/s");
    bench::SetStr(o, "request", what);
    bench::SetNum(o, "p50_ms", r.p50_ms);
    bench::SetNum(o, "p99_ms", r.p99_ms);
    bench::SetInt(o, "requests", r.requests);
    bench::SetInt(o, "non2xx", r.non2xx);
    bench::SetInt(o, "socket_errors", r.socket_errors);
    bench::SetInt(o, "connections", conns);
    bench::SetInt(o, "seconds", seconds);
    if (!r.ok) bench::SetStr(o, "error", r.output.substr(0, 400));
    bench::Emit(o);
  };

  BENCH_LOG("wrk GET /: %ld connections, %ld s", conns, seconds);
  std::vector<std::string> get = common;
  get.push_back(base + "/");
  WrkResult g = RunWrk(get);
  emit("http_get_rate", g, "GET /");

  const std::string script = dir + "/post.lua";
  {
    std::ofstream out(script);
    out << "wrk.method = \"POST\"\n"
           "wrk.body = \"task=true\"\n"
           "wrk.headers[\"Content-Type\"] = "
           "\"application/x-www-form-urlencoded\"\n";
  }
  BENCH_LOG("wrk POST /channels/default: %ld connections, %ld s", conns,
            seconds);
  const long long dealt0 = redis.Int({"HGET", keys.Stats(), "dealt"});
  std::vector<std::string> post = common;
  post.push_back("-s");
  post.push_back(script);
  post.push_back(base + "/channels/default");
  WrkResult p = RunWrk(post);
  emit("http_post_rate", p, "POST /channels/default task=true");
  // Requests cut off when wrk stopped may still have been queued: wait for
  // the daemon to settle, then compare.
  long long dealt = 0;
  for (int i = 0; i < 20; i++) {
    bench::SleepS(0.1);
    long long d = redis.Int({"HGET", keys.Stats(), "dealt"}) - dealt0;
    if (i > 0 && d == dealt) break;
    dealt = d;
  }
  const long long ok = p.requests - p.non2xx;
  json_t* o = bench::Figure("http_post_accounted", dealt - ok, "tasks");
  bench::SetInt(o, "answered_2xx", ok);
  bench::SetInt(o, "dealt", dealt);
  bench::SetInt(o, "queued", redis.Int({"LLEN", keys.Queue("default")}));
  bench::SetStr(o, "note",
                "dealt minus 2xx answers: 0 means every accepted POST was "
                "queued; up to one per connection may be queued without wrk "
                "counting the answer (cut off at the end); negative means "
                "accepted tasks were lost");
  bench::Emit(o);
  return 0;
}

// ---- report ----

struct Target {
  std::string name, label, unit, goal;
  double value = NAN;
  bool met = false;
  bool known = false;
  std::string coyotes, reference;
  std::vector<double>
      per_round;  // paired ratios, when the value is their median
};

std::string Fmt(double v, const char* fmt) {
  if (!std::isfinite(v)) return "n/a";
  char b[64];
  std::snprintf(b, sizeof(b), fmt, v);
  return b;
}

double Num(json_t* o, const char* key) {
  json_t* v = json_object_get(o, key);
  return json_is_number(v) ? json_number_value(v) : std::nan("");
}

// One figure from its rounds (the raw lines of one name, in order).
//   tasks/s:  value = sum(n) / sum(seconds); "rounds" lists each round's
//             rate
//   samples:  the samples of every round together -> NAME_p50, NAME_p99
//   redis_all_cmds_per_task: commands and by_command summed
//   anything else: the last line as it is
std::vector<json_t*> MergeRounds(const std::string& name,
                                 const std::vector<json_t*>& lines) {
  json_t* last = lines.back();
  const char* unit = json_string_value(json_object_get(last, "unit"));
  json_t* merged = json_deep_copy(last);
  json_object_del(merged, "round");
  if (json_object_get(last, "samples_ms")) {
    std::vector<double> ms;
    long long errors = 0;
    for (json_t* l : lines) {
      size_t i;
      json_t* v;
      json_array_foreach(json_object_get(l, "samples_ms"), i, v)
          ms.push_back(json_number_value(v));
      errors += json_integer_value(json_object_get(l, "errors"));
    }
    json_decref(merged);
    std::vector<json_t*> out;
    for (int p : {50, 99}) {
      json_t* o = bench::Figure(name + "_p" + std::to_string(p),
                                bench::Percentile(ms, p), "ms");
      json_object_del(o, "round");
      bench::SetInt(o, "samples", static_cast<long long>(ms.size()));
      bench::SetInt(o, "errors", errors);
      bench::SetNum(o, "max_ms", bench::Percentile(ms, 100));
      bench::SetInt(o, "rounds", static_cast<long long>(lines.size()));
      out.push_back(o);
    }
    return out;
  }
  if (unit && std::string(unit) == "tasks/s") {
    double n = 0, secs = 0, push = 0;
    long long failed = 0, http_errors = 0;
    bool complete = true;
    json_t* rates = json_array();
    std::string errors;
    for (json_t* l : lines) {
      double r = Num(l, "value");
      if (!std::isfinite(r)) complete = false;
      json_array_append_new(rates,
                            std::isfinite(r) ? json_real(r) : json_null());
      n += Num(l, "n");
      secs += Num(l, "seconds");
      if (std::isfinite(Num(l, "push_seconds"))) push += Num(l, "push_seconds");
      failed += json_integer_value(json_object_get(l, "failed")) +
                json_integer_value(json_object_get(l, "failures"));
      http_errors += json_integer_value(json_object_get(l, "http_errors"));
      const char* e = json_string_value(json_object_get(l, "error"));
      if (e) errors += (errors.empty() ? "" : "; ") + std::string(e);
    }
    bench::SetNum(merged, "value", complete ? n / secs : NAN);
    bench::SetInt(merged, "n", static_cast<long long>(n));
    bench::SetNum(merged, "seconds", secs);
    if (json_object_get(merged, "push_seconds"))
      bench::SetNum(merged, "push_seconds", push);
    if (json_object_get(merged, "failed"))
      bench::SetInt(merged, "failed", failed);
    if (json_object_get(merged, "failures"))
      bench::SetInt(merged, "failures", failed);
    if (json_object_get(merged, "http_errors"))
      bench::SetInt(merged, "http_errors", http_errors);
    if (!errors.empty()) bench::SetStr(merged, "error", errors);
    json_object_set_new(merged, "rounds", rates);
    // CPU: totals summed over the rounds, and per task.
    json_t* total = json_object();
    for (json_t* l : lines) {
      const char* k;
      json_t* v;
      json_object_foreach(json_object_get(l, "cpu_ms_total"), k, v) {
        double have = Num(total, k);
        bench::SetNum(total, k,
                      (std::isfinite(have) ? have : 0) + json_number_value(v));
      }
    }
    json_object_del(merged, "cpu_ms_total");
    if (json_object_size(total) > 0) {
      json_t* per = json_object();
      const char* k;
      json_t* v;
      json_object_foreach(total, k, v)
          bench::SetNum(per, k, json_number_value(v) / n);
      json_object_set_new(merged, "cpu_ms_per_task", per);
    }
    json_decref(total);
    return {merged};
  }
  if (name == "redis_all_cmds_per_task") {
    long long tasks = 0, cmds = 0;
    json_t* by = json_object();
    for (json_t* l : lines) {
      tasks += json_integer_value(json_object_get(l, "tasks"));
      cmds += json_integer_value(json_object_get(l, "commands"));
      const char* k;
      json_t* v;
      json_object_foreach(json_object_get(l, "by_command"), k, v) {
        long long have = json_integer_value(json_object_get(by, k));
        json_object_set_new(by, k, json_integer(have + json_integer_value(v)));
      }
    }
    bench::SetNum(merged, "value",
                  tasks ? static_cast<double>(cmds) / tasks : NAN);
    bench::SetInt(merged, "tasks", tasks);
    bench::SetInt(merged, "commands", cmds);
    json_object_set_new(merged, "by_command", by);
    bench::SetInt(merged, "rounds", static_cast<long long>(lines.size()));
    return {merged};
  }
  return {merged};
}

// report --in=RAW [--out=FILE]: merges the rounds of RAW, prints one JSON
// line per figure, the table, and one JSON line per target; the figure and
// target lines are appended to FILE too.
int Report(const bench::Args& args) {
  const std::string path = args.Need("in");
  const std::string out_path = args.Str("out");
  std::vector<std::string> order;
  std::map<std::string, std::vector<json_t*>> raw;
  {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      json_error_t err;
      json_t* o = json_loads(line.c_str(), 0, &err);
      if (!o) continue;
      const char* f = json_string_value(json_object_get(o, "figure"));
      if (!f) {
        json_decref(o);
        continue;
      }
      if (!raw.count(f)) order.push_back(f);
      raw[f].push_back(o);
    }
  }
  std::ofstream out;
  if (!out_path.empty()) out.open(out_path, std::ios::app);
  auto write = [&](json_t* o) {
    if (out.is_open()) {
      char* s = json_dumps(
          o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
      out << s << "\n";
      std::free(s);
    }
  };
  std::map<std::string, json_t*> fig;
  for (const std::string& name : order) {
    for (json_t* m : MergeRounds(name, raw[name])) {
      const char* f = json_string_value(json_object_get(m, "figure"));
      fig[f] = m;
      write(m);
      json_incref(m);
      bench::Emit(m);
    }
    for (json_t* l : raw[name]) json_decref(l);
  }
  auto val = [&](const std::string& f) {
    auto it = fig.find(f);
    if (it == fig.end()) return std::nan("");
    json_t* v = json_object_get(it->second, "value");
    return json_is_number(v) ? json_number_value(v) : std::nan("");
  };
  auto field = [&](const std::string& f, const char* k) {
    auto it = fig.find(f);
    if (it == fig.end()) return std::nan("");
    json_t* v = json_object_get(it->second, k);
    return json_is_number(v) ? json_number_value(v) : std::nan("");
  };
  // A figure's per-round rates; empty unless every round has one.
  auto rounds = [&](const std::string& f) {
    std::vector<double> r;
    auto it = fig.find(f);
    json_t* a =
        it == fig.end() ? nullptr : json_object_get(it->second, "rounds");
    for (size_t i = 0; json_is_array(a) && i < json_array_size(a); i++) {
      json_t* v = json_array_get(a, i);
      if (!json_is_number(v) || !(json_number_value(v) > 0))
        return std::vector<double>();
      r.push_back(json_number_value(v));
    }
    return r;
  };

  std::vector<Target> rows;
  auto ratio = [&](const std::string& name, const std::string& label,
                   const std::string& mine, const std::string& ref, double goal,
                   bool target) {
    Target t;
    t.name = name;
    t.label = label;
    t.unit = "ratio";
    double a = val(mine), b = val(ref);
    t.value = a / b;
    // With rounds, each round's ratio (its daemon run over the ceiling
    // run next to it), and their median: a round that the host's other
    // work slowed on one side only then moves the figure least.
    std::vector<double> ra = rounds(mine), rb = rounds(ref);
    if (ra.size() >= 2 && ra.size() == rb.size() && std::isfinite(t.value)) {
      for (size_t i = 0; i < ra.size(); i++)
        t.per_round.push_back(ra[i] / rb[i]);
      std::vector<double> sorted = t.per_round;
      std::sort(sorted.begin(), sorted.end());
      size_t m = sorted.size() / 2;
      t.value = sorted.size() % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }
    t.coyotes = Fmt(a, "%.0f/s");
    t.reference = Fmt(b, "%.0f/s");
    t.known = std::isfinite(t.value);
    t.met = t.known && t.value >= goal;
    t.goal = target ? ">= " + Fmt(goal * 100, "%.0f%%") : "";
    rows.push_back(t);
  };
  auto delta = [&](const std::string& name, const std::string& label,
                   const std::string& mine, const std::string& ref, double goal,
                   bool target) {
    Target t;
    t.name = name;
    t.label = label;
    t.unit = "ms";
    double a = val(mine), b = val(ref);
    t.value = a - b;
    t.coyotes = Fmt(a, "%.2f ms");
    t.reference = Fmt(b, "%.2f ms");
    t.known = std::isfinite(t.value);
    t.met = t.known && t.value <= goal;
    t.goal = target ? "<= +" + Fmt(goal, "%.1f ms") : "";
    rows.push_back(t);
  };

  ratio("throughput_simple", "throughput, simple command", "throughput_simple",
        "ceiling_direct", 0.85, true);
  ratio("throughput_shell", "throughput, shell command", "throughput_shell",
        "ceiling_sh_and", 0.85, true);
  delta("latency_p50", "latency p50 (LPUSH)", "latency_redis_p50",
        "ceiling_latency_direct_p50", 0.5, true);
  delta("latency_p99", "latency p99 (LPUSH)", "latency_redis_p99",
        "ceiling_latency_direct_p99", 2.0, true);
  {
    Target t;
    t.name = "redis_client_cmds";
    t.label = "Redis client commands/task";
    t.unit = "commands/task";
    t.value = val("redis_client_cmds_per_task");
    t.coyotes = Fmt(t.value, "%.2f");
    t.reference = "-";
    t.known = std::isfinite(t.value);
    t.met = t.known && t.value <= 4.0;
    t.goal = "<= 4";
    rows.push_back(t);
  }
  {
    Target t;
    t.name = "memory";
    t.label = "memory master+workers (RSS)";
    t.unit = "MB";
    double q = val("memory_queued"), s = val("memory_1000"),
           g = val("memory_growth");
    if (!std::isfinite(s)) s = q;
    t.value = q;
    t.coyotes = Fmt(q, "%.1f MB");
    t.reference = Fmt(s, "%.1f MB") + " @1k";
    t.known = std::isfinite(q) && std::isfinite(g);
    t.met = t.known && q <= 20.0 && g <= 1.0;
    t.goal = "<= 20 MB, +<= 1 MB";
    rows.push_back(t);
  }
  ratio("http_post_vs_get", "HTTP POST rate vs GET /", "http_post_rate",
        "http_get_rate", 0.5, true);
  for (int p : {50, 99}) {
    Target t;
    t.name = "promotion_p" + std::to_string(p);
    t.label = "delayed promotion lateness p" + std::to_string(p);
    t.unit = "ms";
    t.value = val("promotion_lateness_p" + std::to_string(p));
    t.coyotes = Fmt(t.value, "%.1f ms");
    t.reference = "due time";
    t.known = std::isfinite(t.value);
    t.met = t.known && t.value <= 50.0;
    t.goal = "<= 50 ms";
    rows.push_back(t);
  }
  const size_t ntargets = rows.size();
  // Context, not targets.
  ratio("info_simple_vs_sh", "  simple command vs sh -c ceiling",
        "throughput_simple", "ceiling_sh", 0, false);
  ratio("info_argv", "  argv task (no shell) vs direct", "throughput_argv",
        "ceiling_direct", 0, false);
  ratio("info_http", "  HTTP-submitted vs direct", "throughput_http",
        "ceiling_direct", 0, false);
  ratio("info_two_channels", "  two channels vs direct at 2C",
        "throughput_two_channels", "ceiling_direct_2c", 0, false);
  delta("info_latency_sh_p50", "  latency p50 vs sh -c ceiling",
        "latency_redis_p50", "ceiling_latency_sh_p50", 0, false);
  delta("info_latency_http_p50", "  latency p50 (HTTP POST)",
        "latency_http_p50", "ceiling_latency_direct_p50", 0, false);
  delta("info_latency_http_p99", "  latency p99 (HTTP POST)",
        "latency_http_p99", "ceiling_latency_direct_p99", 0, false);

  const char* cpu_model =
      fig.count("machine")
          ? json_string_value(json_object_get(fig["machine"], "cpu"))
          : nullptr;
  std::printf(
      "\nmachine: %s CPUs (%s); before the bench: load average %s, CPU "
      "pressure %s%% (avg60)\n",
      Fmt(val("machine"), "%.0f").c_str(), cpu_model ? cpu_model : "?",
      Fmt(field("machine", "loadavg1"), "%.2f").c_str(),
      Fmt(field("machine", "cpu_pressure_avg60"), "%.1f").c_str());
  if (field("machine", "loadavg1") > 0.5 ||
      field("machine", "cpu_pressure_avg60") > 5)
    std::printf(
        "note: the machine was busy before the bench began; every figure "
        "below is skewed by that other work\n");
  std::printf("\n%-34s %12s %14s %10s  %-20s %s\n", "figure", "coyotes",
              "reference", "ratio", "target", "result");
  std::printf("%s\n", std::string(100, '-').c_str());
  for (size_t i = 0; i < rows.size(); i++) {
    const Target& t = rows[i];
    if (i == ntargets) std::printf("context (no target):\n");
    std::string r = t.unit == "ratio" ? Fmt(t.value * 100, "%.1f%%")
                    : t.unit == "ms"  ? Fmt(t.value, "%+.2f ms")
                    : t.unit == "MB"  ? Fmt(val("memory_growth"), "%+.2f MB")
                                      : Fmt(t.value, "%.2f");
    const char* result = i >= ntargets ? ""
                         : !t.known    ? "n/a"
                         : t.met       ? "PASS"
                                       : "MISS";
    std::printf("%-34s %12s %14s %10s  %-20s %s\n", t.label.c_str(),
                t.coyotes.c_str(), t.reference.c_str(), r.c_str(),
                t.goal.c_str(), result);
  }
  for (size_t i = 0; i < ntargets; i++) {
    if (rows[i].per_round.empty()) continue;
    std::string r;
    for (double x : rows[i].per_round) r += " " + Fmt(x * 100, "%.1f%%");
    std::printf("  %s: ratio per round%s (the median is shown)\n",
                rows[i].label.c_str(), r.c_str());
  }
  std::printf("%-34s %12s %14s\n", "  Redis commands/task, Lua incl.",
              Fmt(val("redis_all_cmds_per_task"), "%.2f").c_str(), "-");
  std::printf("%-34s %12s %14s\n", "  HTTP p99 GET / | POST",
              Fmt(field("http_get_rate", "p99_ms"), "%.2f ms").c_str(),
              Fmt(field("http_post_rate", "p99_ms"), "%.2f ms").c_str());
  std::printf("%-34s %12s %14s\n", "  POSTed tasks dealt - 2xx",
              Fmt(val("http_post_accounted"), "%.0f").c_str(), "0..conns");
  auto cpu = [&](const std::string& f, const char* k) {
    auto it = fig.find(f);
    if (it == fig.end()) return std::nan("");
    return Num(json_object_get(it->second, "cpu_ms_per_task"), k);
  };
  for (const auto& [label, mine, ref] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"simple", "throughput_simple", "ceiling_direct"},
           {"shell", "throughput_shell", "ceiling_sh_and"}}) {
    std::printf(
        "  CPU ms/task, %s: coyotes task %s + master %s + workers %s + "
        "redis %s; ceiling task %s + spawner %s\n",
        label.c_str(), Fmt(cpu(mine, "tasks"), "%.2f").c_str(),
        Fmt(cpu(mine, "master"), "%.2f").c_str(),
        Fmt(cpu(mine, "workers"), "%.2f").c_str(),
        Fmt(cpu(mine, "redis"), "%.2f").c_str(),
        Fmt(cpu(ref, "tasks"), "%.2f").c_str(),
        Fmt(cpu(ref, "spawner"), "%.2f").c_str());
  }
  std::printf(
      "%-34s %12s %14s\n", "  memory master+workers (PSS)",
      Fmt(field("memory_queued", "pss_mb"), "%.1f MB").c_str(),
      (Fmt(field("memory_1000", "pss_mb"), "%.1f MB") + " @1k").c_str());
  std::printf("%-34s %12s %14s\n", "  peak RSS after load (sum HWM)",
              Fmt(field("memory_after_load", "hwm_mb"), "%.1f MB").c_str(),
              "-");
  std::printf("\n");

  for (size_t i = 0; i < ntargets; i++) {
    const Target& t = rows[i];
    json_t* o = bench::Figure("target_" + t.name, t.value, t.unit);
    bench::SetStr(o, "label", t.label);
    bench::SetStr(o, "target", t.goal);
    json_object_set_new(o, "met", t.known ? json_boolean(t.met) : json_null());
    if (!t.per_round.empty()) {
      json_t* a = json_array();
      for (double x : t.per_round) json_array_append_new(a, json_real(x));
      json_object_set_new(o, "per_round", a);
      bench::SetStr(o, "method", "median of per-round ratios");
    }
    write(o);
    bench::Emit(o);
  }
  for (auto& [k, v] : fig) json_decref(v);
  return 0;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    std::perror("free-port");
    return 1;
  }
  std::printf("%d\n", ntohs(a.sin_port));
  close(fd);
  return 0;
}

}  // namespace

// ---- promotion of delayed tasks ----

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

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc < 2) {
    std::fprintf(
        stderr,
        "usage: coyotes_bench tasks|memory|http|promote|report|free-port "
        "--name=value...\n");
    return 2;
  }
  const std::string cmd = argv[1];
  bench::Args args(argc, argv, 2);
  bench::RunId() = args.Str("run", "");
  bench::Round() = args.Int("round", 0);
  if (cmd == "tasks") return Tasks(args);
  if (cmd == "memory") return Memory(args);
  if (cmd == "http") return Http(args);
  if (cmd == "report") return Report(args);
  if (cmd == "promote") return Promote(args);
  if (cmd == "free-port") return FreePort();
  std::fprintf(stderr, "unknown subcommand %s\n", cmd.c_str());
  return 2;
}
