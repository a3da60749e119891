// CtlProcess: the real coyotesctl binary (COYOTESCTL_BINARY) run as a user
// runs it, with its stdout and stderr kept apart (in files of a scratch
// folder, so that a test can read what a running "logs -f" has printed so
// far) and an environment the test decides: COYOTES_URL, COYOTES_TOKEN and
// NO_COLOR of the test's own environment are not passed on.
#ifndef COYOTES_TESTS_BLACKBOX_CTL_RUNNER_H_
#define COYOTES_TESTS_BLACKBOX_CTL_RUNNER_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "blackbox/bb_util.h"
#include "support/wait.h"

#ifndef COYOTESCTL_BINARY
#error "the build must define COYOTESCTL_BINARY, the client binary's path"
#endif

extern char** environ;

namespace coyotes::testing {

inline constexpr char kCtlBinary[] = COYOTESCTL_BINARY;

struct CtlResult {
  int exit = -1;  // the exit status; -1 when it did not exit by itself
  std::string out;
  std::string err;
};

// One run of coyotesctl. Start() does not wait; Finish() does, and kills
// (SIGKILL, by its pid) a run that outlives its timeout. The destructor
// kills and reaps a run that was never finished.
class CtlProcess {
 public:
  // `program`: another executable run the same way (bash, for the
  // completion).
  CtlProcess(const std::string& dir, std::vector<std::string> args,
             std::vector<std::string> env = {},
             const std::string& program = kCtlBinary) {
    static int serial = 0;
    const std::string base = dir + "/ctl-" + std::to_string(++serial);
    out_path_ = base + ".out";
    err_path_ = base + ".err";
    std::vector<std::string> envs;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string kv = *e;
      if (kv.rfind("COYOTES_URL=", 0) == 0 ||
          kv.rfind("COYOTES_TOKEN=", 0) == 0 || kv.rfind("NO_COLOR=", 0) == 0)
        continue;
      envs.push_back(kv);
    }
    envs.insert(envs.end(), env.begin(), env.end());
    args.insert(args.begin(), program);
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int rc = posix_spawn(&pid_, program.c_str(), &fa, nullptr,
                               argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    EXPECT_EQ(rc, 0) << "posix_spawn " << program << ": " << std::strerror(rc);
    if (rc != 0) pid_ = -1;
  }
  ~CtlProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  CtlProcess(const CtlProcess&) = delete;
  CtlProcess& operator=(const CtlProcess&) = delete;

  std::string out() const { return ReadAll(out_path_); }
  std::string err() const { return ReadAll(err_path_); }

  // True once the run has exited (it is reaped then).
  bool Done() {
    if (pid_ > 0 && waitpid(pid_, &status_, WNOHANG) == pid_) pid_ = -1;
    return pid_ <= 0;
  }

  // Waits for the exit; after `timeout_s` kills the run (exit stays -1).
  CtlResult Finish(double timeout_s = 60) {
    CtlResult r;
    if (!WaitFor([&] { return Done(); }, timeout_s)) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status_, 0);
      pid_ = -1;
      ADD_FAILURE() << "still running after " << timeout_s << " s";
      status_ = -1;
    }
    if (status_ != -1 && WIFEXITED(status_)) r.exit = WEXITSTATUS(status_);
    r.out = out();
    r.err = err();
    return r;
  }

 private:
  pid_t pid_ = -1;
  int status_ = -1;  // the wait status once reaped
  std::string out_path_, err_path_;
};

}  // namespace coyotes::testing

#endif  // COYOTES_TESTS_BLACKBOX_CTL_RUNNER_H_
