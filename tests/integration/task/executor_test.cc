// Integration tests of src/task/task_executor.h: RunTask with real processes.
// Outcomes (exit, signal, spawn failure, timeout, stop requests), exact
// output capture, no shell for argv tasks, environment, cwd, stdin, the
// task's own session, and that nothing of the task's process group outlives
// RunTask.
//
// The test process makes itself a child subreaper, as the worker is, so
// that a task's orphaned background jobs become our children: then "the
// group is gone" is checked exactly (kill(-pgid, 0) fails with ESRCH once
// we have reaped the dead) instead of depending on what init does.
#include "task/task_executor.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/wait.h"

namespace coyotes {
namespace {

using namespace coyotes::testing;
using namespace std::string_literals;

using Kind = TaskOutcome::Kind;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class TestObserver : public ExecObserver {
 public:
  std::vector<int> WatchFds() override { return watch_fds; }
  void OnReadable(int fd) override {
    readable_calls++;
    char c;
    if (read(fd, &c, 1) == 1) {
      if (c == 'F') stop = StopReason::kFastStop;
      if (c == 'C') stop = StopReason::kCancel;
    }
  }
  void OnTick() override { ticks++; }
  double tick_s() const override { return 0.1; }
  StopReason stop_requested() const override {
    if (pid > 0 && stop_after_spawn != StopReason::kNone)
      return stop_after_spawn;
    return stop;
  }
  void OnSpawned(pid_t p) override {
    pid = p;
    spawn_start_time = ProcessStartTime(p);
    spawned++;
  }

  // Inputs.
  std::vector<int> watch_fds;
  StopReason stop_after_spawn = StopReason::kNone;
  // State and records.
  StopReason stop = StopReason::kNone;
  pid_t pid = -1;
  uint64_t spawn_start_time = 0;
  int spawned = 0;
  int ticks = 0;
  int readable_calls = 0;
};

TaskSpec Shell(const std::string& command) {
  TaskSpec s;
  s.id = "test";
  s.channel = "default";
  s.name = s.command = command;
  return s;
}

TaskSpec Argv(const std::string& program, std::vector<std::string> args) {
  TaskSpec s;
  s.id = "test";
  s.channel = "default";
  s.name = s.command = program;
  s.args = std::move(args);
  return s;
}

ExecLimits Limits() {
  ExecLimits l;
  l.timeout_s = 0;
  l.kill_grace_s = 1;
  l.pipe_grace_s = 2;
  l.output_tail = 65536;
  return l;
}

// Reaps the dead of group `pgid` that came to us as subreaper (their
// statuses go to `statuses`), and says whether no process of the group is
// left.
bool GroupGone(pid_t pgid, std::vector<int>* statuses = nullptr) {
  int status;
  pid_t r;
  while ((r = waitpid(-pgid, &status, WNOHANG)) > 0)
    if (statuses) statuses->push_back(status);
  return kill(-pgid, 0) == -1 && errno == ESRCH;
}

void ExpectGroupGone(pid_t pgid, std::vector<int>* statuses = nullptr) {
  ASSERT_GT(pgid, 0);
  EXPECT_TRUE(WaitFor([&] { return GroupGone(pgid, statuses); }, 10))
      << "process group " << pgid << " still has members";
}

long VmRssKb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

class ExecutorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0) << std::strerror(errno);
  }
  static void TearDownTestSuite() { prctl(PR_SET_CHILD_SUBREAPER, 0); }

  void SetUp() override {
    std::string templ = "/tmp/coyotes-exec-XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr) << std::strerror(errno);
    dir_ = templ;
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  TaskOutcome Run(const TaskSpec& spec, const ExecLimits& limits = Limits(),
                  const std::vector<std::string>& extra_env = {}) {
    TaskOutcome out = RunTask(spec, extra_env, limits, &obs_);
    if (obs_.pid > 0) ExpectGroupGone(obs_.pid, &orphans_);
    return out;
  }

  std::string dir_;
  TestObserver obs_;
  std::vector<int> orphans_;  // wait statuses of reaped background jobs
};

// ---------------------------------------------------------------------------
// Outcomes and output

TEST_F(ExecutorTest, ShellTaskExitZeroCapturesOutputExactly) {
  TaskOutcome out =
      Run(Shell("printf 'line1\\nline2\\n'; printf 'oops' >&2; printf "
                "'\\000\\001\\377'"));
  EXPECT_EQ(out.kind, Kind::kExited);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.signal, 0);
  EXPECT_TRUE(out.succeeded());
  EXPECT_EQ(out.detail, "exited 0");
  EXPECT_EQ(out.stdout_tail, "line1\nline2\n\0\x01\xff"s);
  EXPECT_EQ(out.stderr_tail, "oops");
  EXPECT_GE(out.duration_ms, 0);
  EXPECT_LT(out.duration_ms, 30000);
  EXPECT_EQ(obs_.spawned, 1);
  EXPECT_GT(obs_.pid, 0);
  EXPECT_GT(obs_.spawn_start_time, 0u);
}

TEST_F(ExecutorTest, ExitCodeThreeIsAFailure) {
  TaskOutcome out = Run(Shell("echo partial; exit 3"));
  EXPECT_EQ(out.kind, Kind::kExited);
  EXPECT_EQ(out.exit_code, 3);
  EXPECT_FALSE(out.succeeded());
  EXPECT_EQ(out.detail, "exited 3");
  EXPECT_EQ(out.stdout_tail, "partial\n");
}

TEST_F(ExecutorTest, KilledBySignal) {
  TaskOutcome out = Run(Shell("kill -9 $$"));
  EXPECT_EQ(out.kind, Kind::kSignaled);
  EXPECT_EQ(out.signal, 9);
  EXPECT_EQ(out.exit_code, -1);
  EXPECT_FALSE(out.succeeded());
  EXPECT_TRUE(Contains(out.detail, "SIGKILL")) << out.detail;
}

TEST_F(ExecutorTest, SpawnFailureOfAMissingProgram) {
  TaskOutcome out = Run(Argv("/nonexistent/prog", {"arg"}));
  EXPECT_EQ(out.kind, Kind::kSpawnFailed);
  EXPECT_FALSE(out.succeeded());
  EXPECT_TRUE(Contains(out.detail, "/nonexistent/prog")) << out.detail;
  EXPECT_TRUE(Contains(out.detail, std::strerror(ENOENT))) << out.detail;
  EXPECT_EQ(obs_.spawned, 0);
}

TEST_F(ExecutorTest, SpawnFailureOfAProgramNotInPath) {
  TaskOutcome out = Run(Argv("coyotes-test-no-such-program", {}));
  EXPECT_EQ(out.kind, Kind::kSpawnFailed);
  EXPECT_TRUE(Contains(out.detail, "coyotes-test-no-such-program"))
      << out.detail;
  EXPECT_EQ(obs_.spawned, 0);
}

TEST_F(ExecutorTest, SpawnFailureOfAMissingCwd) {
  TaskSpec spec = Shell("echo should not run");
  spec.cwd = dir_ + "/missing";
  TaskOutcome out = Run(spec);
  EXPECT_EQ(out.kind, Kind::kSpawnFailed);
  EXPECT_TRUE(Contains(out.detail, spec.cwd)) << out.detail;
  EXPECT_EQ(out.stdout_tail, "");
}

TEST_F(ExecutorTest, BothPipesLargeAtOnceDoNotDeadlock) {
  ExecLimits l = Limits();
  l.output_tail = 2 << 20;
  TaskOutcome out = Run(Shell("head -c 1048576 /dev/zero | tr '\\000' o; "
                              "head -c 1048576 /dev/zero | tr '\\000' e >&2; "
                              "printf x; printf y >&2"),
                        l);
  EXPECT_EQ(out.kind, Kind::kExited);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.stdout_tail, std::string(1 << 20, 'o') + "x");
  EXPECT_EQ(out.stderr_tail, std::string(1 << 20, 'e') + "y");
}

TEST_F(ExecutorTest, HugeOutputKeepsOnlyTheTailInConstantMemory) {
  ExecLimits l = Limits();
  l.output_tail = 65536;
  const long rss_before = VmRssKb();
  ASSERT_GT(rss_before, 0);
  TaskOutcome out = Run(Shell("head -c 104857600 /dev/zero; printf END"), l);
  const long rss_after = VmRssKb();
  EXPECT_EQ(out.kind, Kind::kExited);
  EXPECT_EQ(out.exit_code, 0);
  ASSERT_EQ(out.stdout_tail.size(), 65536u);
  EXPECT_EQ(out.stdout_tail, std::string(65536 - 3, '\0') + "END");
  EXPECT_EQ(out.stderr_tail, "");
  EXPECT_LT(rss_after - rss_before, 50 * 1024)
      << "RSS grew from " << rss_before << " kB to " << rss_after << " kB";
}

TEST_F(ExecutorTest, OutputTailZeroKeepsNothing) {
  ExecLimits l = Limits();
  l.output_tail = 0;
  TaskOutcome out = Run(Shell("echo out; echo err >&2"), l);
  EXPECT_TRUE(out.succeeded());
  EXPECT_EQ(out.stdout_tail, "");
  EXPECT_EQ(out.stderr_tail, "");
}

// ---------------------------------------------------------------------------
// What the task sees

TEST_F(ExecutorTest, ArgvTaskUsesNoShell) {
  const std::string f1 = dir_ + "/f1", f2 = dir_ + "/f2", f3 = dir_ + "/f3";
  const std::vector<std::string> args = {"%s\n",
                                         "hello; touch " + f1,
                                         "$(touch " + f2 + ")",
                                         "`touch " + f3 + "`",
                                         "*",
                                         "$HOME",
                                         "a  b"};
  TaskOutcome out = Run(Argv("printf", args));
  EXPECT_TRUE(out.succeeded()) << out.detail << " " << out.stderr_tail;
  std::string want;
  for (size_t i = 1; i < args.size(); i++) want += args[i] + "\n";
  EXPECT_EQ(out.stdout_tail, want);
  struct stat st;
  EXPECT_NE(stat(f1.c_str(), &st), 0) << f1 << " was created";
  EXPECT_NE(stat(f2.c_str(), &st), 0) << f2 << " was created";
  EXPECT_NE(stat(f3.c_str(), &st), 0) << f3 << " was created";
}

TEST_F(ExecutorTest, ShellTaskDoesUseTheShell) {
  // The contrast to ArgvTaskUsesNoShell: a command line is a shell script.
  const std::string f = dir_ + "/made";
  TaskOutcome out = Run(Shell("echo a; touch '" + f + "'"));
  EXPECT_TRUE(out.succeeded());
  struct stat st;
  EXPECT_EQ(stat(f.c_str(), &st), 0);
}

TEST_F(ExecutorTest, Environment) {
  ASSERT_EQ(setenv("EXEC_TEST_INHERITED", "yes", 1), 0);
  ASSERT_EQ(setenv("EXEC_TEST_OVERRIDE", "parent", 1), 0);
  ASSERT_EQ(setenv("COYOTES_TEST_LEAK", "daemon's own", 1), 0);
  TaskSpec spec = Shell(
      "printenv COYOTES_TASK_ID; printenv MY_VAR; printenv EXEC_TEST_INHERITED;"
      "env | grep -c '^EXEC_TEST_OVERRIDE='; printenv EXEC_TEST_OVERRIDE;"
      "printenv COYOTES_TEST_LEAK || echo no-leak");
  spec.env = {{"MY_VAR", "from spec = x"}, {"EXEC_TEST_OVERRIDE", "child"}};
  TaskOutcome out = Run(spec, Limits(), {"COYOTES_TASK_ID=abc123"});
  unsetenv("EXEC_TEST_INHERITED");
  unsetenv("EXEC_TEST_OVERRIDE");
  unsetenv("COYOTES_TEST_LEAK");
  EXPECT_TRUE(out.succeeded()) << out.detail << " " << out.stderr_tail;
  EXPECT_EQ(out.stdout_tail, "abc123\nfrom spec = x\nyes\n1\nchild\nno-leak\n");
}

TEST_F(ExecutorTest, EnvironmentOfAnArgvTask) {
  TaskSpec spec = Argv("printenv", {"COYOTES_TASK_ID", "MY_VAR"});
  spec.env = {{"MY_VAR", "v1"}};
  TaskOutcome out = Run(spec, Limits(), {"COYOTES_TASK_ID=t-42"});
  EXPECT_TRUE(out.succeeded()) << out.detail;
  EXPECT_EQ(out.stdout_tail, "t-42\nv1\n");
}

TEST_F(ExecutorTest, CwdIsRespected) {
  char real[PATH_MAX];
  ASSERT_NE(realpath(dir_.c_str(), real), nullptr);
  TaskSpec spec = Argv("pwd", {"-P"});
  spec.cwd = dir_;
  TaskOutcome out = Run(spec);
  EXPECT_TRUE(out.succeeded()) << out.detail;
  EXPECT_EQ(out.stdout_tail, std::string(real) + "\n");

  TaskSpec shell = Shell("pwd -P; touch here");
  shell.cwd = dir_;
  out = Run(shell);
  EXPECT_EQ(out.stdout_tail, std::string(real) + "\n");
  struct stat st;
  EXPECT_EQ(stat((dir_ + "/here").c_str(), &st), 0);

  // The spawn's file actions are kept between tasks; the directory of the
  // last task is not: the next one without runs in ours.
  char own[PATH_MAX];
  ASSERT_NE(getcwd(own, sizeof(own)), nullptr);
  ASSERT_NE(realpath(own, real), nullptr);
  out = Run(Argv("pwd", {"-P"}));
  EXPECT_EQ(out.stdout_tail, std::string(real) + "\n");
}

TEST_F(ExecutorTest, StdinIsDevNull) {
  TaskOutcome out = Run(Argv("cat", {}));
  EXPECT_TRUE(out.succeeded()) << out.detail;
  EXPECT_EQ(out.stdout_tail, "");
  EXPECT_LT(out.duration_ms, 30000);
  out = Run(Argv("readlink", {"/proc/self/fd/0"}));
  EXPECT_EQ(out.stdout_tail, "/dev/null\n");
}

TEST_F(ExecutorTest, NoDescriptorOfOursLeaksIntoTheTask) {
  // Not close-on-exec on purpose: only RunTask's closefrom keeps it out.
  int fd = open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 3);
  const std::string n = std::to_string(fd);
  TaskOutcome out =
      Run(Shell("[ -e /proc/self/fd/2 ] && ! [ -e /proc/self/fd/" + n + " ]"));
  close(fd);
  EXPECT_EQ(out.kind, Kind::kExited);
  EXPECT_EQ(out.exit_code, 0) << "descriptor " << n << " leaked";
}

TEST_F(ExecutorTest, TaskLeadsItsOwnSession) {
  // The spawned program itself (no shell in between) reports.
  TaskOutcome out = Run(Argv("cat", {"/proc/self/stat"}));
  ASSERT_TRUE(out.succeeded()) << out.detail << " " << out.stderr_tail;
  const std::string& stat_line = out.stdout_tail;
  // pid (comm) state ppid pgrp session ...
  size_t close = stat_line.rfind(')');
  ASSERT_NE(close, std::string::npos) << stat_line;
  std::istringstream fields(stat_line.substr(close + 2));
  std::string state;
  long ppid = 0, pgrp = 0, session = 0;
  fields >> state >> ppid >> pgrp >> session;
  EXPECT_EQ(std::stol(stat_line), obs_.pid);
  EXPECT_EQ(pgrp, obs_.pid);
  EXPECT_EQ(session, obs_.pid);
  EXPECT_EQ(ppid, getpid());
}

TEST_F(ExecutorTest, TaskStartsWithCleanSignalState) {
  // The daemon's blocked and ignored signals must not reach the task.
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &block, &old_mask), 0);
  struct sigaction ign {
  }, old_usr2{};
  ign.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGUSR2, &ign, &old_usr2), 0);
  // The spawned program reads its own status: a shell would show the mask
  // it blocks around its own forks and waits.
  TaskOutcome out =
      Run(Argv("grep", {"-E", "^Sig(Blk|Ign):", "/proc/self/status"}));
  sigaction(SIGUSR2, &old_usr2, nullptr);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);

  ASSERT_TRUE(out.succeeded()) << out.detail << " " << out.stderr_tail;
  std::istringstream lines(out.stdout_tail);
  std::string blk, ign_line;
  std::getline(lines, blk);
  std::getline(lines, ign_line);
  EXPECT_EQ(blk, "SigBlk:\t0000000000000000");
  // Ignored dispositions survive exec unless reset: none of the standard
  // signals may be left ignored. (Real-time signals are outside this
  // mask: the worker leaves them at their defaults.)
  ASSERT_EQ(ign_line.rfind("SigIgn:\t", 0), 0u) << ign_line;
  const unsigned long long ignored =
      std::stoull(ign_line.substr(8), nullptr, 16);
  EXPECT_EQ(ignored & 0x7fffffffull, 0u) << ign_line;
}

// ---------------------------------------------------------------------------
// Simple command lines: whether RunTask hands them to /bin/sh or runs them
// directly (src/task/shell_words.h), the task sees what sh would give it.

void WriteFile(const std::string& path, const std::string& text, int mode) {
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << text;
  }
  ASSERT_EQ(chmod(path.c_str(), mode), 0) << path;
}

TEST_F(ExecutorTest, CommandNotFoundAsShReportsIt) {
  TaskOutcome out = Run(Shell("coyotes-test-no-such-cmd arg"));
  EXPECT_EQ(out.kind, Kind::kExited);
  EXPECT_EQ(out.exit_code, 127);
  EXPECT_FALSE(out.succeeded());
  EXPECT_EQ(out.stdout_tail, "");
  EXPECT_EQ(out.stderr_tail,
            "/bin/sh: 1: coyotes-test-no-such-cmd: not found\n");

  out = Run(Shell("/nonexistent/dir/prog"));
  EXPECT_EQ(out.exit_code, 127);
  EXPECT_EQ(out.stderr_tail, "/bin/sh: 1: /nonexistent/dir/prog: not found\n");
}

TEST_F(ExecutorTest, NotExecutableAsShReportsIt) {
  const std::string file = dir_ + "/noexec";
  WriteFile(file, "echo never\n", 0644);
  TaskOutcome out = Run(Shell(file));
  EXPECT_EQ(out.kind, Kind::kExited);
  EXPECT_EQ(out.exit_code, 126);
  EXPECT_EQ(out.stdout_tail, "");
  EXPECT_EQ(out.stderr_tail, "/bin/sh: 1: " + file + ": Permission denied\n");

  out = Run(Shell(dir_));  // a directory
  EXPECT_EQ(out.exit_code, 126);
  EXPECT_EQ(out.stderr_tail, "/bin/sh: 1: " + dir_ + ": Permission denied\n");
}

TEST_F(ExecutorTest, ScriptWithoutShebangRunsUnderSh) {
  const std::string script = dir_ + "/plain-script";
  WriteFile(script, "echo from script $# \"$1\"\nexit 4\n", 0755);
  TaskOutcome out = Run(Shell(script + " a1 b2"));
  EXPECT_EQ(out.kind, Kind::kExited);
  EXPECT_EQ(out.exit_code, 4);
  EXPECT_EQ(out.stdout_tail, "from script 2 a1\n");
  EXPECT_EQ(out.stderr_tail, "");
}

TEST_F(ExecutorTest, SimpleCommandExitStatusAndOutput) {
  TaskOutcome out = Run(Shell("false"));
  EXPECT_EQ(out.kind, Kind::kExited);
  EXPECT_EQ(out.exit_code, 1);
  out = Run(Shell("printf %s,%s a=1 b:2"));
  EXPECT_TRUE(out.succeeded());
  EXPECT_EQ(out.stdout_tail, "a=1,b:2");
}

TEST_F(ExecutorTest, PathFromTheTaskEnvironmentIsSearched) {
  WriteFile(dir_ + "/coyotes-test-mycmd", "#!/bin/sh\necho mine \"$@\"\n",
            0755);
  TaskSpec spec = Shell("coyotes-test-mycmd x y");
  spec.env = {{"PATH", dir_ + ":/usr/bin:/bin"}};
  TaskOutcome out = Run(spec);
  EXPECT_TRUE(out.succeeded()) << out.detail << " " << out.stderr_tail;
  EXPECT_EQ(out.stdout_tail, "mine x y\n");
}

TEST_F(ExecutorTest, PwdIsExportedAsShDoes) {
  char cwd[PATH_MAX];
  ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
  const char* saved = getenv("PWD");
  const std::string saved_pwd = saved ? saved : "";
  // An inherited PWD that does not name the working directory is replaced
  // by the physical path, as sh does.
  ASSERT_EQ(setenv("PWD", "/nonexistent", 1), 0);
  TaskOutcome wrong = Run(Shell("printenv PWD"));
  ASSERT_EQ(unsetenv("PWD"), 0);
  TaskOutcome unset = Run(Shell("printenv PWD"));
  if (saved) setenv("PWD", saved_pwd.c_str(), 1);
  EXPECT_EQ(wrong.stdout_tail, std::string(cwd) + "\n");
  EXPECT_EQ(unset.stdout_tail, std::string(cwd) + "\n");
}

// ---------------------------------------------------------------------------
// Stopping, and nothing left behind

TEST_F(ExecutorTest, TimeoutStopsTheWholeGroup) {
  ExecLimits l = Limits();
  l.timeout_s = 1;
  l.kill_grace_s = 1;
  const double start = NowSeconds();
  TaskOutcome out = Run(Shell("echo before; sleep 100 & sleep 100"), l);
  EXPECT_LT(NowSeconds() - start, 20);
  EXPECT_EQ(out.kind, Kind::kTimeout);
  EXPECT_FALSE(out.succeeded());
  EXPECT_TRUE(Contains(out.detail, "timed out")) << out.detail;
  EXPECT_EQ(out.signal, SIGTERM) << out.detail;
  EXPECT_EQ(out.stdout_tail, "before\n");
  EXPECT_GE(out.duration_ms, 900);
  ASSERT_GT(obs_.pid, 0);
  EXPECT_EQ(kill(-obs_.pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  // The background sleep was ours to reap (orphaned) and died of SIGTERM,
  // not of old age.
  ASSERT_FALSE(orphans_.empty());
  for (int st : orphans_) {
    EXPECT_TRUE(WIFSIGNALED(st)) << st;
    EXPECT_EQ(WTERMSIG(st), SIGTERM) << st;
  }
}

TEST_F(ExecutorTest, TermIgnoringTaskIsKilledAfterTheGrace) {
  ExecLimits l = Limits();
  l.timeout_s = 0.5;
  l.kill_grace_s = 0.5;
  const double start = NowSeconds();
  TaskOutcome out =
      Run(Shell("trap '' TERM; sleep 100 & sleep 100; echo survived"), l);
  EXPECT_LT(NowSeconds() - start, 20);
  EXPECT_EQ(out.kind, Kind::kTimeout);
  EXPECT_EQ(out.signal, SIGKILL) << out.detail;
  EXPECT_EQ(out.stdout_tail, "");
  EXPECT_EQ(kill(-obs_.pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(ExecutorTest, BackgroundChildHoldingStdoutGetsPipeGrace) {
  ExecLimits l = Limits();
  l.pipe_grace_s = 0.5;
  const double start = NowSeconds();
  TaskOutcome out = Run(Shell("sleep 30 & echo hi"), l);
  EXPECT_LT(NowSeconds() - start, 10);
  EXPECT_EQ(out.kind, Kind::kExited);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_TRUE(out.succeeded());
  EXPECT_EQ(out.stdout_tail, "hi\n");
  EXPECT_EQ(kill(-obs_.pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  ASSERT_EQ(orphans_.size(), 1u);
  EXPECT_TRUE(WIFSIGNALED(orphans_[0]));
  EXPECT_EQ(WTERMSIG(orphans_[0]), SIGKILL);
}

TEST_F(ExecutorTest, OutputWrittenDuringPipeGraceIsKept) {
  ExecLimits l = Limits();
  l.pipe_grace_s = 10;
  TaskOutcome out = Run(Shell("(sleep 0.3; echo late) & echo early"), l);
  EXPECT_TRUE(out.succeeded());
  EXPECT_EQ(out.stdout_tail, "early\nlate\n");
}

TEST_F(ExecutorTest, BackgroundJobWithoutOurPipesDoesNotOutliveTheTask) {
  ExecLimits l = Limits();
  l.pipe_grace_s = 60;  // not needed: the job closed its copies of the pipes
  const double start = NowSeconds();
  TaskOutcome out = Run(Shell("sleep 60 >/dev/null 2>&1 & echo done"), l);
  EXPECT_LT(NowSeconds() - start, 30);
  EXPECT_TRUE(out.succeeded());
  EXPECT_EQ(out.stdout_tail, "done\n");
  EXPECT_EQ(kill(-obs_.pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  ASSERT_EQ(orphans_.size(), 1u);
  EXPECT_TRUE(WIFSIGNALED(orphans_[0]));
}

TEST_F(ExecutorTest, CancelRequestStopsTheGroup) {
  obs_.stop_after_spawn = StopReason::kCancel;
  const double start = NowSeconds();
  TaskOutcome out = Run(Shell("sleep 100 & sleep 100"));
  EXPECT_LT(NowSeconds() - start, 20);
  EXPECT_EQ(out.kind, Kind::kCancelled);
  EXPECT_FALSE(out.succeeded());
  ASSERT_GT(obs_.pid, 0);
  EXPECT_EQ(kill(-obs_.pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(ExecutorTest, FastStopArrivesOnAWatchedDescriptor) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  ASSERT_EQ(write(p[1], "F", 1), 1);
  obs_.watch_fds = {p[0]};
  const double start = NowSeconds();
  TaskOutcome out = Run(Shell("sleep 100"));
  close(p[0]);
  close(p[1]);
  EXPECT_LT(NowSeconds() - start, 20);
  EXPECT_GE(obs_.readable_calls, 1);
  EXPECT_EQ(out.kind, Kind::kStopped);
  EXPECT_EQ(kill(-obs_.pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(ExecutorTest, TicksWhileTheTaskRuns) {
  TaskOutcome out = Run(Shell("sleep 1"));
  EXPECT_TRUE(out.succeeded());
  EXPECT_GE(obs_.ticks, 3) << "tick_s is 0.1 and the task ran 1 s";
}

TEST(ProcessStartTimeTest, KnownAndUnknownProcesses) {
  const uint64_t ours = ProcessStartTime(getpid());
  EXPECT_GT(ours, 0u);
  EXPECT_EQ(ProcessStartTime(getpid()), ours) << "not stable";
  EXPECT_EQ(ProcessStartTime(0x3ffffff0), 0u);
  EXPECT_EQ(ProcessStartTime(-1), 0u);
}

TEST_F(ExecutorTest, SpawnStartTimeIdentifiesTheTask) {
  const uint64_t ours = ProcessStartTime(getpid());
  TaskOutcome out = Run(Shell("true"));
  EXPECT_TRUE(out.succeeded());
  EXPECT_GE(obs_.spawn_start_time, ours);
}

}  // namespace
}  // namespace coyotes
