// ?wait= costs; see wait.h.
#include "wait.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "bench_redis.h"
#include "http_client.h"
#include "proc_stats.h"

namespace bench {

namespace {

// A connected loopback socket, or -1.
int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// "waiting":N of GET /, or -1.
long Waiting(int port) {
  HttpConn c(port);
  std::string body;
  if (!c.Send("GET / HTTP/1.1\r\nHost: bench\r\n\r\n") || c.Read(&body) != 200)
    return -1;
  size_t at = body.find("\"waiting\":");
  return at == std::string::npos ? -1 : std::atol(body.c_str() + at + 10);
}

void PostWaitLatency(int port, long n) {
  auto conn = std::make_unique<HttpConn>(port);
  std::vector<double> ms;
  long errors = 0;
  BENCH_LOG("latency_post_wait: %ld POST ?wait=1 of true, one at a time", n);
  for (long i = 0; i < n; i++) {
    const std::string req =
        HttpConn::PostForm("/channels/default?wait=1", "task=true");
    const double t0 = Now();
    std::string body;
    if (!conn->ok() || !conn->Send(req) || conn->Read(&body) != 200 ||
        body.find("\"state\":\"succeeded\"") == std::string::npos) {
      errors++;
      conn = std::make_unique<HttpConn>(port);
      continue;
    }
    ms.push_back((Now() - t0) * 1000);
  }
  EmitLatency("latency_post_wait", ms, errors);
}

void ManyWaiting(Redis& redis, int port, pid_t master, long w) {
  // Room for the sockets; the daemon's own limit is bench/run.sh's.
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  const std::string id = "bench-wait-" + std::to_string(getpid());
  {
    HttpConn c(port);
    if (!c.Send(HttpConn::PostForm("/channels/default",
                                   "id=" + id + "&task=sleep+3")) ||
        c.Read() != 200) {
      BENCH_LOG("wait_many: the task was not queued");
      return;
    }
  }
  const long rss_before = StatusField(master, "VmRSS");
  const long long cmds0 = redis.InfoField("stats", "total_commands_processed");
  BENCH_LOG("wait_many: %ld requests wait for one task of 3 s", w);
  std::vector<int> fds;
  const std::string req =
      "GET /tasks/" + id + "?wait=60 HTTP/1.1\r\nHost: bench\r\n\r\n";
  for (long i = 0; i < w; i++) {
    int fd = Connect(port);
    if (fd < 0 ||
        write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
      if (fd >= 0) close(fd);
      continue;
    }
    fds.push_back(fd);
  }
  // All registered: the master's memory with them all waiting.
  const double deadline = Now() + 10;
  while (Waiting(port) < static_cast<long>(fds.size()) && Now() < deadline) {
  }
  const long waiting = Waiting(port);
  const long rss_waiting = StatusField(master, "VmRSS");
  // Every answer: the first bytes of each response.
  long answered = 0;
  std::vector<bool> done(fds.size(), false);
  const double end = Now() + 30;
  while (answered < static_cast<long>(fds.size()) && Now() < end) {
    std::vector<pollfd> p;
    for (size_t i = 0; i < fds.size(); i++)
      if (!done[i]) p.push_back({fds[i], POLLIN, 0});
    if (poll(p.data(), p.size(), 100) <= 0) continue;
    for (const pollfd& x : p) {
      if (!(x.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t got = read(x.fd, buf, sizeof(buf));
      for (size_t i = 0; i < fds.size(); i++)
        if (fds[i] == x.fd && !done[i]) {
          done[i] = true;
          if (got > 12 && std::string(buf, 12) == "HTTP/1.1 200") answered++;
        }
    }
  }
  const long long cmds1 = redis.InfoField("stats", "total_commands_processed");
  for (int fd : fds) close(fd);
  json_t* o = Figure("wait_many", static_cast<double>(answered), "answered");
  SetInt(o, "waiters", w);
  SetInt(o, "waiting_seen", waiting);
  // Every command Redis ran meanwhile, the workers' and this bench's own
  // INFO included: an upper bound of what the waits cost.
  SetNum(o, "redis_cmds_per_waiter",
         answered > 0 ? static_cast<double>(cmds1 - cmds0) / answered : NAN);
  SetNum(o, "master_rss_mb_before", rss_before / 1024.0);
  SetNum(o, "master_rss_mb_waiting", rss_waiting / 1024.0);
  Emit(o);
}

}  // namespace

int Wait(const bench::Args& args) {
  Redis redis(args.Need("redis"));
  const int port = static_cast<int>(args.Int("http", 0));
  const pid_t master = static_cast<pid_t>(args.Int("pid", 0));
  if (port <= 0 || master <= 0) {
    std::fprintf(stderr, "wait: --http and --pid are needed\n");
    return 2;
  }
  PostWaitLatency(port, args.Int("n", 200));
  ManyWaiting(redis, port, master, args.Int("waiters", 1000));
  return 0;
}

}  // namespace bench
