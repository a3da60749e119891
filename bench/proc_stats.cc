// Memory and CPU time from /proc; see proc_stats.h.
#include "proc_stats.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "bench_util.h"

namespace bench {

long StatusField(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  const std::string want = std::string(field) + ":";
  while (std::getline(in, line))
    if (line.rfind(want, 0) == 0) return std::atol(line.c_str() + want.size());
  return -1;
}

namespace {

long PssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Pss:", 0) == 0) return std::atol(line.c_str() + 4);
  return -1;
}

bool ReadProcCpu(pid_t pid, ProcCpu* out) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(in, text);
  size_t close_paren = text.rfind(')');
  if (close_paren == std::string::npos) return false;
  std::istringstream rest(text.substr(close_paren + 2));
  std::vector<std::string> f;
  std::string x;
  while (rest >> x) f.push_back(x);
  // Fields from 3 (state) on: utime is field 14, i.e. f[11].
  if (f.size() < 15) return false;
  const double tick_ms = 1000.0 / sysconf(_SC_CLK_TCK);
  out->self = (std::atof(f[11].c_str()) + std::atof(f[12].c_str())) * tick_ms;
  out->children =
      (std::atof(f[13].c_str()) + std::atof(f[14].c_str())) * tick_ms;
  return true;
}

}  // namespace

std::vector<pid_t> Children(pid_t parent) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0])))
      continue;
    std::ifstream in("/proc/" + name + "/stat");
    std::string text;
    std::getline(in, text);
    size_t close_paren = text.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream rest(text.substr(close_paren + 1));
    char state = '?';
    long ppid = 0;
    if (!(rest >> state >> ppid)) continue;
    if (ppid == parent && state != 'Z' && state != 'X')
      out.push_back(static_cast<pid_t>(std::atol(name.c_str())));
  }
  std::sort(out.begin(), out.end());
  return out;
}

json_t* CpuWindow::Stop() {
  auto after = Snapshot();
  double master = 0, workers = 0, tasks = 0, redis = 0;
  for (const auto& [pid, cpu] : after) {
    ProcCpu b;
    auto it = before_.find(pid);
    if (it != before_.end()) b = it->second;
    double self = cpu.self - b.self, kids = cpu.children - b.children;
    if (pid == master_) {
      master += self;
    } else if (pid == redis_) {
      redis += self;
    } else {
      workers += self;
      tasks += kids;
    }
  }
  json_t* o = json_object();
  bench::SetNum(o, "tasks", tasks);
  bench::SetNum(o, "master", master);
  bench::SetNum(o, "workers", workers);
  bench::SetNum(o, "redis", redis);
  return o;
}

std::map<pid_t, ProcCpu> CpuWindow::Snapshot() {
  std::map<pid_t, ProcCpu> m;
  std::vector<pid_t> pids = {master_};
  if (redis_ > 0) pids.push_back(redis_);
  if (master_ > 0)
    for (pid_t w : Children(master_)) pids.push_back(w);
  for (pid_t p : pids) {
    ProcCpu c;
    if (p > 0 && ReadProcCpu(p, &c)) m[p] = c;
  }
  return m;
}

std::vector<ProcMem> MeasureDaemon(pid_t master) {
  std::vector<ProcMem> out;
  auto one = [&](pid_t pid, const char* role) {
    ProcMem m{pid, role};
    m.rss_kb = StatusField(pid, "VmRSS");
    m.hwm_kb = StatusField(pid, "VmHWM");
    m.pss_kb = PssKb(pid);
    if (m.rss_kb >= 0) out.push_back(m);
  };
  one(master, "master");
  for (pid_t c : Children(master)) one(c, "worker");
  return out;
}

double AddMemory(json_t* o, const std::vector<ProcMem>& mem) {
  long rss = 0, hwm = 0, pss = 0;
  int workers = 0;
  json_t* procs = json_array();
  for (const auto& m : mem) {
    rss += m.rss_kb;
    hwm += m.hwm_kb;
    pss += std::max(0L, m.pss_kb);
    if (m.role == "worker") workers++;
    json_t* p = json_object();
    bench::SetInt(p, "pid", m.pid);
    bench::SetStr(p, "role", m.role);
    bench::SetInt(p, "rss_kb", m.rss_kb);
    bench::SetInt(p, "hwm_kb", m.hwm_kb);
    bench::SetInt(p, "pss_kb", m.pss_kb);
    json_array_append_new(procs, p);
  }
  bench::SetInt(o, "workers", workers);
  bench::SetNum(o, "rss_mb", rss * 1024 / 1e6);
  bench::SetNum(o, "hwm_mb", hwm * 1024 / 1e6);
  bench::SetNum(o, "pss_mb", pss * 1024 / 1e6);
  json_object_set_new(o, "processes", procs);
  return rss * 1024 / 1e6;
}

}  // namespace bench
