// Redis commands per task, from INFO commandstats and from MONITOR; see
// redis_cost.h.
#include "redis_cost.h"

#include <hiredis/hiredis.h>
#include <jansson.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "task_items.h"

namespace bench {

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

}  // namespace bench
