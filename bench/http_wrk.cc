// Runs wrk and reads its report; see http_wrk.h.
#include "http_wrk.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench_redis.h"

extern char** environ;

namespace bench {

namespace {

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

}  // namespace

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

}  // namespace bench
