// coyotes_bench: drives a running coyotes and its Redis and prints one JSON
// line per figure on stdout (progress on stderr). bench/run.sh starts the
// servers and calls the subcommands in turn:
//
//   coyotes_bench tasks  --redis=H:P --http=PORT --dir=D --pid=PID
//                        [--n=N --c=C --lat-n=L] [--only=PART,...]
//                        [--namespace=NS --suffix=_unix]
//       throughput, latency, Redis commands per task, peak memory after
//       the load (daemon with --concurrent=C); PARTs: simple shell argv
//       http two monitor latency after_load; --suffix is appended to every
//       figure's name (the Unix socket daemon's run)
//   coyotes_bench memory --redis=H:P --namespace=NS --pid=PID --dir=D
//                        [--queued=Q --c=C]
//       RSS of master + workers with 1,000 and with Q tasks queued; ends
//       by sending SIGTERM to PID (see Memory())
//   coyotes_bench http   --redis=H:P --namespace=NS --http=PORT --dir=D
//                        [--seconds=S --conns=64 --threads=2]
//       wrk against GET / and against task POSTs (a --task-mode=false
//       daemon, so the POSTed tasks only queue)
//   coyotes_bench promote --redis=H:P --namespace=NS [--n=N]
//       lateness of the promotion of N delayed tasks due at the same
//       instant (a --task-mode=false daemon)
//   coyotes_bench wait   --redis=H:P --http=PORT --pid=PID [--n=N]
//                        [--waiters=W]
//       POST ?wait=1 latency, and W requests waiting at once (wait.h)
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
// This file reads the subcommand and the arguments every subcommand takes
// and dispatches; the figures are measured in a file per figure or group
// of figures (tasks.cc lists the parts of `tasks`), and bench/README.md
// maps figures to files.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "bench_util.h"
#include "daemon_memory.h"
#include "http_wrk.h"
#include "metrics_scrape.h"
#include "promotion.h"
#include "report.h"
#include "tasks.h"
#include "wait.h"

namespace {

// Prints a free loopback TCP port, for bench/run.sh's redis-server.
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

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc < 2) {
    std::fprintf(
        stderr,
        "usage: coyotes_bench tasks|memory|http|promote|wait|metrics|report|"
        "free-port "
        "--name=value...\n");
    return 2;
  }
  const std::string cmd = argv[1];
  bench::Args args(argc, argv, 2);
  bench::RunId() = args.Str("run", "");
  bench::Round() = args.Int("round", 0);
  bench::FigureSuffix() = args.Str("suffix", "");
  if (cmd == "tasks") return bench::Tasks(args);
  if (cmd == "memory") return bench::Memory(args);
  if (cmd == "http") return bench::Http(args);
  if (cmd == "report") return bench::Report(args);
  if (cmd == "promote") return bench::Promote(args);
  if (cmd == "wait") return bench::Wait(args);
  if (cmd == "metrics") return bench::Metrics(args);
  if (cmd == "free-port") return FreePort();
  std::fprintf(stderr, "unknown subcommand %s\n", cmd.c_str());
  return 2;
}
