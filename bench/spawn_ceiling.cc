// spawn_ceiling: the machine's own limit, the figure coyotes is compared
// with. It runs the benchmark's task, "touch DIR/i", N times with at most C
// at once, straight from posix_spawn, with nothing else in the way: no
// Redis, no daemon, no pipes.
//
//   spawn_ceiling --dir=SCRATCH --n=N --c=C --lat-n=L [--run=ID --round=R]
//                 [--only=machine,direct,sh,sh_and,direct_2c,latency]
//                 [--single-spawner] [--pause-ms=MS]
//
// Figures (one JSON line each on stdout):
//   ceiling_direct      tasks/s, argv ["touch", "DIR/i"]          at C
//   ceiling_sh          tasks/s, /bin/sh -c "touch DIR/i"          at C
//   ceiling_sh_and      tasks/s, /bin/sh -c "touch DIR/i && true"  at C
//   ceiling_direct_2c   tasks/s, argv                              at 2C
//   ceiling_latency_{direct,sh}   ms, one spawn at a time: p50 as the
//                       value, p99 and the samples alongside
//   machine             CPUs, with the kernel, CPU model and load average
//
// --only picks some of them (bench/run.sh runs each ceiling next to the
// coyotes run it is compared with, so that both see the same machine).
// --single-spawner: see Throughput(). --pause-ms: a pause between latency
// samples.
//
// The throughput clock runs from the first posix_spawn until the N-th file
// exists (inotify IN_CREATE, read on a thread of its own), exactly as
// coyotes_bench times the daemon; each throughput figure also carries the
// CPU time its tasks and the spawner used (cpu_ms_total). Latency is the
// time from the decision to start a task (just before posix_spawn) to its
// file existing, L times in a row. ("touch x && true" matters with dash:
// for "touch x" alone the shell execs touch in place; with "&& true" it
// must fork touch and wait for it.)
#include <spawn.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "bench_util.h"

extern char** environ;

namespace {

using bench::Now;

std::string g_touch;  // absolute path of touch(1)

std::string FindTouch() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string cand = dirs.substr(start, end - start) + "/touch";
    if (access(cand.c_str(), X_OK) == 0) return cand;
    start = end + 1;
  }
  return "/usr/bin/touch";
}

struct Kind {
  const char* name;
  bool shell;
  const char* suffix;  // appended to the shell command
};

const Kind kDirect = {"direct", false, ""};
const Kind kSh = {"sh", true, ""};
const Kind kShAnd = {"sh_and", true, " && true"};

// Spawns the task for `file`; returns the pid or -1.
pid_t Spawn(const Kind& k, const std::string& file) {
  pid_t pid = -1;
  int rc;
  if (k.shell) {
    std::string cmd = "touch " + file + k.suffix;
    const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
    rc = posix_spawn(&pid, "/bin/sh", nullptr, nullptr,
                     const_cast<char**>(argv), environ);
  } else {
    const char* argv[] = {"touch", file.c_str(), nullptr};
    rc = posix_spawn(&pid, g_touch.c_str(), nullptr, nullptr,
                     const_cast<char**>(argv), environ);
  }
  if (rc != 0) {
    BENCH_LOG("posix_spawn: %s", std::strerror(rc));
    return -1;
  }
  return pid;
}

// N tasks, at most C at once. Returns tasks/s (NAN on timeout).
double CpuMs(int who) {
  rusage u;
  getrusage(who, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

// CPU time of a run, in ms: the tasks' own (RUSAGE_CHILDREN) and this
// process's, the spawner (the inotify thread included).
struct Cpu {
  double tasks = 0, spawner = 0;
};

bool g_single_spawner = false;
double g_pause_ms = 0;

// N tasks, at most C at once: C threads, each of which spawns a task and
// waits for it, then takes the next (as C workers would, with nothing else
// in between). With --single-spawner one thread spawns them all and reaps
// with waitpid(-1): posix_spawn blocks its caller until the child has
// exec'd, so that thread serialises part of every exec. Returns tasks/s
// (NAN on timeout).
double Throughput(const Kind& k, const std::string& dir, long n, int c,
                  long* failures, double* seconds, Cpu* cpu = nullptr) {
  bench::MakeDir(dir);
  bench::CreateCounter counter(dir);
  std::atomic<long> failed{0};
  const double children0 = CpuMs(RUSAGE_CHILDREN), self0 = CpuMs(RUSAGE_SELF);
  const double t0 = Now();
  if (g_single_spawner) {
    long next = 0, running = 0;
    while (next < n || running > 0) {
      while (running < c && next < n) {
        if (Spawn(k, dir + "/" + std::to_string(next)) > 0)
          running++;
        else
          failed++;
        next++;
      }
      int status = 0;
      pid_t pid = waitpid(-1, &status, 0);
      if (pid < 0) {
        if (errno == EINTR) continue;
        break;
      }
      running--;
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed++;
    }
  } else {
    std::atomic<long> next{0};
    std::vector<std::thread> spawners;
    for (int t = 0; t < c; t++) {
      spawners.emplace_back([&] {
        for (long i = next++; i < n; i = next++) {
          pid_t pid = Spawn(k, dir + "/" + std::to_string(i));
          if (pid <= 0) {
            failed++;
            continue;
          }
          int status = 0;
          while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
          }
          if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed++;
        }
      });
    }
    for (auto& th : spawners) th.join();
  }
  *failures = failed.load();
  if (cpu) {
    cpu->tasks = CpuMs(RUSAGE_CHILDREN) - children0;
    cpu->spawner = CpuMs(RUSAGE_SELF) - self0;
  }
  if (n - *failures <= 0) return NAN;
  const double t1 = counter.Wait(n - *failures, 30);
  *seconds = t1 - t0;
  return n / (t1 - t0);
}

// L sequential tasks: ms from just before posix_spawn to the file existing.
std::vector<double> Latency(const Kind& k, const std::string& dir, long l) {
  bench::MakeDir(dir);
  bench::CreateWatch watch(dir);
  std::vector<double> ms;
  for (long i = 0; i < l; i++) {
    const std::string name = std::to_string(i);
    const double t0 = Now();
    pid_t pid = Spawn(k, dir + "/" + name);
    if (pid < 0) continue;
    const double t1 = watch.Next(name, 10);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (std::isfinite(t1)) ms.push_back((t1 - t0) * 1000);
    if (g_pause_ms > 0) bench::SleepS(g_pause_ms / 1000.0);
  }
  return ms;
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  bench::Args args(argc, argv, 1);
  const std::string dir = args.Need("dir");
  const long n = args.Int("n", 10000);
  const int c = static_cast<int>(args.Int("c", 5));
  const long lat_n = args.Int("lat-n", 200);
  bench::RunId() = args.Str("run", "");
  bench::Round() = args.Int("round", 0);
  if (!bench::PlainPath(dir) || n < 1 || c < 1 || lat_n < 1) {
    std::fprintf(stderr,
                 "usage: spawn_ceiling --dir=PLAIN_PATH --n=N --c=C "
                 "--lat-n=L [--run=ID]\n");
    return 2;
  }
  g_touch = FindTouch();
  g_single_spawner = args.Str("single-spawner") == "true";
  g_pause_ms = std::atof(args.Str("pause-ms", "0").c_str());
  bench::MakeDir(dir);

  if (args.Only("machine")) {
    json_t* o = bench::Figure("machine", sysconf(_SC_NPROCESSORS_ONLN), "cpus");
    utsname u;
    if (uname(&u) == 0)
      bench::SetStr(o, "kernel", std::string(u.sysname) + " " + u.release);
    bench::SetStr(o, "cpu", CpuModel());
    bench::SetStr(o, "touch", g_touch);
    double load[3] = {NAN, NAN, NAN};
    if (getloadavg(load, 3) == 3) {
      bench::SetNum(o, "loadavg1", load[0]);
      bench::SetNum(o, "loadavg5", load[1]);
      bench::SetNum(o, "loadavg15", load[2]);
    }
    {
      // Share of the last 10 s / 60 s in which some runnable task waited
      // for a CPU (pressure stall information), when the kernel has it.
      std::ifstream psi("/proc/pressure/cpu");
      std::string line;
      if (std::getline(psi, line)) {
        size_t a10 = line.find("avg10="), a60 = line.find("avg60=");
        if (a10 != std::string::npos)
          bench::SetNum(o, "cpu_pressure_avg10",
                        std::atof(line.c_str() + a10 + 6));
        if (a60 != std::string::npos)
          bench::SetNum(o, "cpu_pressure_avg60",
                        std::atof(line.c_str() + a60 + 6));
      }
    }
    bench::SetStr(o, "note",
                  "load average and CPU pressure before the bench started "
                  "anything: other work on the machine skews every figure");
    bench::Emit(o);
  }

  // Warm the page cache and the dynamic loader's paths.
  for (const Kind* k : {&kDirect, &kSh, &kShAnd}) {
    const std::string name = k->name;
    if (!args.Only(name) && !(name == "direct" && args.Only("direct_2c")) &&
        !(name != "sh_and" && args.Only("latency")))
      continue;
    long f;
    double s;
    Throughput(*k, dir + "/warm-" + k->name, 50, c, &f, &s);
  }

  struct Run {
    const Kind* kind;
    int conc;
    const char* figure;
  };
  const Run runs[] = {{&kDirect, c, "ceiling_direct"},
                      {&kSh, c, "ceiling_sh"},
                      {&kShAnd, c, "ceiling_sh_and"},
                      {&kDirect, 2 * c, "ceiling_direct_2c"}};
  for (const Run& r : runs) {
    if (!args.Only(r.figure + 8)) continue;  // "ceiling_" stripped
    BENCH_LOG("%s: %ld tasks, %d at once", r.figure, n, r.conc);
    long failures = 0;
    double seconds = NAN;
    Cpu cpu;
    double rate = Throughput(*r.kind, dir + "/" + r.figure, n, r.conc,
                             &failures, &seconds, &cpu);
    json_t* o = bench::Figure(r.figure, rate, "tasks/s");
    bench::SetInt(o, "n", n);
    bench::SetInt(o, "c", r.conc);
    bench::SetNum(o, "seconds", seconds);
    bench::SetInt(o, "failures", failures);
    bench::SetStr(o, "spawner",
                  g_single_spawner ? "one thread" : "one thread per slot");
    json_t* total = json_object();
    bench::SetNum(total, "tasks", cpu.tasks);
    bench::SetNum(total, "spawner", cpu.spawner);
    json_object_set_new(o, "cpu_ms_total", total);
    bench::Emit(o);
  }

  for (const Kind* k : {&kDirect, &kSh}) {
    if (!args.Only("latency")) break;
    BENCH_LOG("ceiling latency %s: %ld tasks one at a time", k->name, lat_n);
    std::vector<double> ms = Latency(*k, dir + "/latency-" + k->name, lat_n);
    bench::EmitLatency(std::string("ceiling_latency_") + k->name, ms,
                       lat_n - static_cast<long>(ms.size()));
  }
  return 0;
}
