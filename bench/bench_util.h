// Helpers shared by bench/spawn_ceiling.cc and the files of coyotes_bench:
// clocks, percentiles, "--name=value" arguments, JSON figure lines, and
// file-creation watching with inotify (the finish line of every
// measurement: a task is done, for the clock, when the file it creates
// exists).
#ifndef COYOTES_BENCH_BENCH_UTIL_H_
#define COYOTES_BENCH_BENCH_UTIL_H_

#include <dirent.h>
#include <jansson.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace bench {

// Seconds on the monotonic clock.
inline double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline void SleepS(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

// Progress and errors go to stderr; stdout carries only JSON lines.
#define BENCH_LOG(...)                 \
  do {                                 \
    std::fprintf(stderr, "  bench: "); \
    std::fprintf(stderr, __VA_ARGS__); \
    std::fprintf(stderr, "\n");        \
  } while (0)

// Nearest-rank percentile (p in 0..100) of `v`; NAN when empty.
inline double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * v.size()));
  if (rank < 1) rank = 1;
  if (rank > v.size()) rank = v.size();
  return v[rank - 1];
}

// "--name=value" arguments after the subcommand.
class Args {
 public:
  Args(int argc, char** argv, int first) {
    for (int i = first; i < argc; i++) {
      std::string a = argv[i];
      if (a.rfind("--", 0) != 0) {
        std::fprintf(stderr, "unexpected argument %s\n", a.c_str());
        std::exit(2);
      }
      size_t eq = a.find('=');
      if (eq == std::string::npos)
        values_[a.substr(2)] = "true";
      else
        values_[a.substr(2, eq - 2)] = a.substr(eq + 1);
    }
  }
  std::string Str(const std::string& name, const std::string& def = "") const {
    auto it = values_.find(name);
    return it == values_.end() ? def : it->second;
  }
  // A required string argument.
  std::string Need(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end() || it->second.empty()) {
      std::fprintf(stderr, "missing --%s=...\n", name.c_str());
      std::exit(2);
    }
    return it->second;
  }
  // Whether `part` is selected by --only=a,b,c (everything when absent).
  bool Only(const std::string& part) const {
    auto it = values_.find("only");
    if (it == values_.end() || it->second.empty()) return true;
    std::string list = "," + it->second + ",";
    return list.find("," + part + ",") != std::string::npos;
  }
  long Int(const std::string& name, long def) const {
    auto it = values_.find(name);
    if (it == values_.end()) return def;
    char* end = nullptr;
    long v = std::strtol(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end != '\0') {
      std::fprintf(stderr, "--%s: not an integer: %s\n", name.c_str(),
                   it->second.c_str());
      std::exit(2);
    }
    return v;
  }

 private:
  std::map<std::string, std::string> values_;
};

// ---- JSON figure lines ----

inline std::string& RunId() {
  static std::string id;
  return id;
}
// bench/run.sh alternates the ceiling and the daemon in rounds; a figure of
// one round carries "round" and the report merges the rounds.
inline long& Round() {
  static long round = 0;
  return round;
}

// Appended to every figure's name (--suffix): the same measurement against
// a daemon set up differently, "_unix" for Redis over a Unix socket.
inline std::string& FigureSuffix() {
  static std::string suffix;
  return suffix;
}

// A new figure object: {"run":..., "figure":..., "value":..., "unit":...}.
// `value` NAN becomes null (a measurement that did not complete).
inline json_t* Figure(const std::string& figure, double value,
                      const std::string& unit) {
  json_t* o = json_object();
  json_object_set_new(o, "run", json_string(RunId().c_str()));
  json_object_set_new(o, "figure",
                      json_string((figure + FigureSuffix()).c_str()));
  if (Round() > 0) json_object_set_new(o, "round", json_integer(Round()));
  json_object_set_new(o, "value",
                      std::isfinite(value) ? json_real(value) : json_null());
  json_object_set_new(o, "unit", json_string(unit.c_str()));
  return o;
}

inline void SetNum(json_t* o, const char* key, double v) {
  json_object_set_new(o, key, std::isfinite(v) ? json_real(v) : json_null());
}
inline void SetInt(json_t* o, const char* key, long long v) {
  json_object_set_new(o, key, json_integer(v));
}
inline void SetStr(json_t* o, const char* key, const std::string& v) {
  json_object_set_new(o, key, json_string(v.c_str()));
}

// Prints the figure as one compact line on stdout and frees it.
inline void Emit(json_t* o) {
  char* text = json_dumps(
      o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
  if (text != nullptr) {
    std::printf("%s\n", text);
    std::fflush(stdout);
    std::free(text);
  }
  json_decref(o);
}

// A latency series: value is the p50; the raw samples go along so that the
// report can merge rounds and take the percentiles of the whole.
inline void EmitLatency(const std::string& figure,
                        const std::vector<double>& ms, long errors) {
  json_t* o = Figure(figure, Percentile(ms, 50), "ms");
  SetNum(o, "p99_ms", Percentile(ms, 99));
  SetNum(o, "max_ms", Percentile(ms, 100));
  SetInt(o, "samples", static_cast<long long>(ms.size()));
  SetInt(o, "errors", errors);
  json_t* a = json_array();
  for (double v : ms) json_array_append_new(a, json_real(v));
  json_object_set_new(o, "samples_ms", a);
  Emit(o);
}

// ---- directories ----

// Creates `path` (one level) if missing; exits on failure.
inline void MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "mkdir %s: %s\n", path.c_str(), std::strerror(errno));
    std::exit(1);
  }
}

// Entries of `dir`, "." and ".." excluded.
inline long CountEntries(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return -1;
  long n = 0;
  while (dirent* e = readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
      n++;
  }
  closedir(d);
  return n;
}

// Task paths end up inside shell command lines unquoted: keep them plain.
inline bool PlainPath(const std::string& p) {
  for (char c : p) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' ||
          c == '_' || c == '-'))
      return false;
  }
  return !p.empty();
}

// ---- inotify ----

// Counts IN_CREATE events in one directory on a thread of its own, so that
// the events are read as they come (the kernel queue holds 16384 by
// default). Wait(n) returns the moment the n-th creation was read.
class CreateCounter {
 public:
  explicit CreateCounter(const std::string& dir) : dir_(dir) {
    fd_ = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd_ < 0 || inotify_add_watch(fd_, dir.c_str(), IN_CREATE) < 0) {
      std::fprintf(stderr, "inotify on %s: %s\n", dir.c_str(),
                   std::strerror(errno));
      std::exit(1);
    }
    thread_ = std::thread([this] { Loop(); });
  }
  ~CreateCounter() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  CreateCounter(const CreateCounter&) = delete;
  CreateCounter& operator=(const CreateCounter&) = delete;

  // The Now() at which the n-th file creation was seen, or NAN after
  // `timeout_s`. If the kernel queue overflowed, falls back to counting the
  // directory's entries every millisecond.
  double Wait(long n, double timeout_s) {
    const double deadline = Now() + timeout_s;
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (count_ >= n) return times_[n - 1];
      if (overflow_) break;
      if (Now() >= deadline) return NAN;
      cv_.wait_for(lock, std::chrono::milliseconds(20));
    }
    lock.unlock();
    while (Now() < deadline) {
      if (CountEntries(dir_) >= n) return Now();
      SleepS(0.001);
    }
    return NAN;
  }
  long count() {
    std::lock_guard<std::mutex> lock(mu_);
    return overflow_ ? CountEntries(dir_) : count_;
  }

 private:
  void Loop() {
    alignas(inotify_event) char buf[65536];
    while (!stop_) {
      pollfd p = {fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      ssize_t got = read(fd_, buf, sizeof(buf));
      if (got <= 0) continue;
      const double t = Now();
      std::lock_guard<std::mutex> lock(mu_);
      for (ssize_t off = 0; off < got;) {
        auto* e = reinterpret_cast<inotify_event*>(buf + off);
        if (e->mask & IN_Q_OVERFLOW) overflow_ = true;
        if (e->mask & IN_CREATE) {
          count_++;
          times_.push_back(t);
        }
        off += sizeof(inotify_event) + e->len;
      }
      cv_.notify_all();
    }
  }

  std::string dir_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  long count_ = 0;
  bool overflow_ = false;
  std::vector<double> times_;
};

// For latency: the caller reads the next creation itself, on its own thread.
class CreateWatch {
 public:
  explicit CreateWatch(const std::string& dir) {
    fd_ = inotify_init1(IN_CLOEXEC);
    if (fd_ < 0 || inotify_add_watch(fd_, dir.c_str(), IN_CREATE) < 0) {
      std::fprintf(stderr, "inotify on %s: %s\n", dir.c_str(),
                   std::strerror(errno));
      std::exit(1);
    }
  }
  ~CreateWatch() { close(fd_); }
  CreateWatch(const CreateWatch&) = delete;
  CreateWatch& operator=(const CreateWatch&) = delete;

  // Blocks until a file named `name` is created in the directory; returns
  // the Now() of that moment, or NAN after `timeout_s`.
  double Next(const std::string& name, double timeout_s) {
    const double deadline = Now() + timeout_s;
    alignas(inotify_event) char buf[4096];
    for (;;) {
      double left = deadline - Now();
      if (left <= 0) return NAN;
      pollfd p = {fd_, POLLIN, 0};
      int r = poll(&p, 1, static_cast<int>(left * 1000) + 1);
      if (r <= 0) continue;
      ssize_t got = read(fd_, buf, sizeof(buf));
      const double t = Now();
      if (got <= 0) continue;
      for (ssize_t off = 0; off < got;) {
        auto* e = reinterpret_cast<inotify_event*>(buf + off);
        if ((e->mask & IN_CREATE) && e->len > 0 && name == e->name) return t;
        off += sizeof(inotify_event) + e->len;
      }
    }
  }

 private:
  int fd_ = -1;
};

}  // namespace bench

#endif  // COYOTES_BENCH_BENCH_UTIL_H_
