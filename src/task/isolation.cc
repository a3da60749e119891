#include "task/isolation.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>

#include "base/exit_status.h"
#include "base/unique_fd.h"
#include "task/task_spawn.h"

namespace coyotes {

namespace {

constexpr struct {
  unsigned bit;
  std::string_view name;
} kNames[] = {{kIsolateNet, "net"},
              {kIsolateTmp, "tmp"},
              {kIsolatePid, "pid"},
              {kIsolateNoNewPrivs, "nonewprivs"}};

// One throwaway child through every setup step of a spawn with `isolate`.
Status Probe(unsigned isolate) {
  UniqueFd null_fd(open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null_fd.valid()) return Status::Errno("open /dev/null", errno);
  Isolation isolation;
  isolation.isolate = isolate;
  char* const empty[] = {nullptr};
  SpawnRequest req;
  req.argv = empty;
  req.envp = empty;
  req.stdin_fd = req.stdout_fd = req.stderr_fd = null_fd.get();
  req.isolation = &isolation;
  req.probe_only = true;
  SpawnResult result;
  if (int err = Spawn(req, &result)) {
    std::string what = result.step != nullptr ? result.step : "spawn";
    return Unavailable(what + ": " + std::strerror(err));
  }
  int status = 0;
  while (waitpid(result.pid, &status, 0) < 0) {
    if (errno != EINTR) return Status::Errno("isolation probe: waitpid", errno);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Unavailable("isolation probe " + DescribeWaitStatus(status));
  return Status::Ok();
}

}  // namespace

std::string IsolateNames(unsigned isolate) {
  std::string names;
  for (const auto& n : kNames) {
    if (!(isolate & n.bit)) continue;
    if (!names.empty()) names += ",";
    names += n.name;
  }
  return names;
}

unsigned IsolateBit(std::string_view name) {
  for (const auto& n : kNames)
    if (n.name == name) return n.bit;
  return 0;
}

Status IsolationAvailable(unsigned isolate) {
  if (isolate & ~kIsolateAll)
    return InvalidArgument("isolation: unknown bits " +
                           std::to_string(isolate & ~kIsolateAll));
  if (isolate == 0) return Status::Ok();
  static std::mutex mu;
  static std::optional<Status> answers[kIsolateAll + 1];
  std::lock_guard<std::mutex> lock(mu);
  if (!answers[isolate]) answers[isolate] = Probe(isolate);
  return *answers[isolate];
}

}  // namespace coyotes
