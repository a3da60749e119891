// The shell-free fast path behaves as /bin/sh -c would: same exit status,
// same output, same environment, for every kind of simple command line.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "task/shell_words.h"
#include "task/task_executor.h"

namespace coyotes {
namespace {

class QuietObserver : public ExecObserver {
 public:
  std::vector<int> WatchFds() override { return {}; }
  void OnReadable(int) override {}
  void OnTick() override {}
  double tick_s() const override { return 0.1; }
  StopReason stop_requested() const override { return StopReason::kNone; }
  void OnSpawned(pid_t) override { spawned++; }
  int spawned = 0;
};

TaskOutcome RunLine(const std::string& command, bool force_shell) {
  TaskSpec spec;
  spec.id = "t";
  spec.command = command;
  // A PATH in the task's env keeps the shell (sh would search it).
  if (force_shell) spec.env.emplace_back("PATH", getenv("PATH"));
  QuietObserver obs;
  return RunTask(spec, {"COYOTES_TASK_ID=t"}, ExecLimits{}, &obs);
}

class FastPath : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/coyotes-fast-XXXXXX";
    dir_ = mkdtemp(tmpl);
    // An executable without a #! line: sh runs it as a script.
    std::ofstream(dir_ + "/noshebang") << "echo scripted $#\n";
    chmod((dir_ + "/noshebang").c_str(), 0755);
    std::ofstream(dir_ + "/notexec") << "echo no\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(FastPath, SameOutcomeAsTheShell) {
  std::vector<std::string> commands = {
      "/bin/echo a b  c",
      "env",
      "ls /nonexistent-coyotes",
      "nosuchcommand-coyotes x",
      "/nonexistent/program",
      "/etc/passwd",
      "/tmp",
      "/etc/passwd/x",
      dir_ + "/notexec",
      dir_ + "/noshebang one two",
      "sh -c exit",
      "head -c 5 /dev/zero",
      "printenv COYOTES_TASK_ID",
  };
  for (const auto& c : commands) {
    SCOPED_TRACE(c);
    ASSERT_TRUE(SimpleCommandWords(c).has_value());
    TaskOutcome fast = RunLine(c, false), shell = RunLine(c, true);
    EXPECT_EQ(fast.kind, shell.kind);
    EXPECT_EQ(fast.exit_code, shell.exit_code);
    EXPECT_EQ(fast.signal, shell.signal);
    EXPECT_EQ(fast.stderr_tail, shell.stderr_tail);
    if (c == "env") {
      // The shell's env adds nothing but what we add too (PWD).
      auto lines = [](const std::string& s) {
        std::multiset<std::string> out;
        std::istringstream in(s);
        for (std::string l; std::getline(in, l);) out.insert(l);
        return out;
      };
      EXPECT_EQ(lines(fast.stdout_tail), lines(shell.stdout_tail));
    } else {
      EXPECT_EQ(fast.stdout_tail, shell.stdout_tail);
    }
  }
}

TEST_F(FastPath, NotFoundIsExit127WithTheShellsMessage) {
  TaskOutcome o = RunLine("nosuchcommand-coyotes", false);
  EXPECT_EQ(o.kind, TaskOutcome::Kind::kExited);
  EXPECT_EQ(o.exit_code, 127);
  EXPECT_EQ(o.stderr_tail, "/bin/sh: 1: nosuchcommand-coyotes: not found\n");
}

// The fast path remembers where PATH holds a command (command_path.h) and
// still runs what sh would run when PATH's directories change.
TEST_F(FastPath, FollowsCommandsAddedAndRemovedInPath) {
  const std::string a = dir_ + "/a", b = dir_ + "/b";
  ASSERT_EQ(mkdir(a.c_str(), 0755), 0);
  ASSERT_EQ(mkdir(b.c_str(), 0755), 0);
  auto script = [](const std::string& file, const std::string& says) {
    std::ofstream(file) << "#!/bin/sh\necho " << says << "\n";
    ASSERT_EQ(chmod(file.c_str(), 0755), 0);
  };
  script(b + "/coyotes-cmd", "from-b");
  // a has been quiet for a minute, so where the command is can be kept.
  timespec old[2];
  clock_gettime(CLOCK_REALTIME, &old[0]);
  old[0].tv_sec -= 60;
  old[1] = old[0];
  ASSERT_EQ(utimensat(AT_FDCWD, a.c_str(), old, 0), 0);
  const std::string saved = getenv("PATH");
  ASSERT_EQ(setenv("PATH", (a + ":" + b + ":" + saved).c_str(), 1), 0);
  auto run = [] { return RunLine("coyotes-cmd", false).stdout_tail; };
  EXPECT_EQ(run(), "from-b\n");
  EXPECT_EQ(run(), "from-b\n");  // remembered
  script(a + "/coyotes-cmd", "from-a");
  EXPECT_EQ(run(), "from-a\n");  // a changed: searched again
  ASSERT_EQ(unlink((a + "/coyotes-cmd").c_str()), 0);
  EXPECT_EQ(run(), "from-b\n");  // the remembered file is gone
  ASSERT_EQ(unlink((b + "/coyotes-cmd").c_str()), 0);
  TaskOutcome gone = RunLine("coyotes-cmd", false);
  EXPECT_EQ(gone.exit_code, 127);
  ASSERT_EQ(setenv("PATH", saved.c_str(), 1), 0);
}

}  // namespace
}  // namespace coyotes
