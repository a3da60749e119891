// Spawn: the search execvp makes, and the child's descriptors, with real
// processes.
#include "task/task_spawn.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "base/unique_fd.h"

extern char** environ;

namespace coyotes {
namespace {

class SpawnTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        std::string(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") +
        "/coyotes-spawn-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    devnull_.reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(devnull_.valid());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Script(const std::string& file, const std::string& body, int mode) {
    std::ofstream(file) << "#!/bin/sh\n" << body << "\n";
    ASSERT_EQ(chmod(file.c_str(), mode), 0);
  }

  // Spawns `candidates` with stdout and stderr on one pipe; the spawn's
  // answer, and in *output what the process wrote and *status how it
  // ended when it ran.
  int Run(const std::vector<std::string>& candidates, std::string* output,
          int* status, int out_fd = -1) {
    int p[2];
    EXPECT_EQ(pipe2(p, O_CLOEXEC), 0);
    UniqueFd r(p[0]), w(p[1]);
    SpawnRequest req;
    req.candidates = candidates;
    char arg0[] = "prog";
    char* argv[] = {arg0, nullptr};
    req.argv = argv;
    req.envp = environ;
    req.stdin_fd = devnull_.get();
    req.stdout_fd = out_fd >= 0 ? out_fd : w.get();
    req.stderr_fd = w.get();
    pid_t pid = -1;
    int rc = Spawn(req, &pid);
    w.reset();
    if (out_fd >= 0) close(out_fd);
    if (rc != 0) return rc;
    char buf[4096];
    ssize_t n;
    while ((n = read(r.get(), buf, sizeof(buf))) > 0) output->append(buf, n);
    EXPECT_EQ(waitpid(pid, status, 0), pid);
    return 0;
  }

  std::string dir_;
  UniqueFd devnull_;
};

TEST_F(SpawnTest, PassesOverFilesItMayNotRunAsExecvpDoes) {
  Script(dir_ + "/a", "echo from-a", 0644);  // not executable
  Script(dir_ + "/b", "echo from-b", 0755);
  std::string out;
  int status = -1;
  ASSERT_EQ(Run({dir_ + "/missing", dir_ + "/a", dir_ + "/b"}, &out, &status),
            0);
  EXPECT_EQ(out, "from-b\n");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(SpawnTest, ReportsPermissionDeniedOverNotFound) {
  Script(dir_ + "/a", "echo from-a", 0644);
  std::string out;
  int status = -1;
  EXPECT_EQ(Run({dir_ + "/a", dir_ + "/missing"}, &out, &status), EACCES);
  EXPECT_EQ(Run({dir_ + "/missing", dir_ + "/gone"}, &out, &status), ENOENT);
  EXPECT_EQ(Run({}, &out, &status), ENOENT);
  // An error other than "not there, not ours" ends the search.
  std::ofstream(dir_ + "/garbage") << "\x7f"
                                      "ELF but not really";
  ASSERT_EQ(chmod((dir_ + "/garbage").c_str(), 0755), 0);
  Script(dir_ + "/b", "echo from-b", 0755);
  EXPECT_EQ(Run({dir_ + "/garbage", dir_ + "/b"}, &out, &status), ENOEXEC);
  EXPECT_EQ(out, "");
}

TEST_F(SpawnTest, ChdirFailureIsTheAnswer) {
  Script(dir_ + "/b", "echo from-b", 0755);
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  UniqueFd r(p[0]), w(p[1]);
  SpawnRequest req;
  req.candidates = {dir_ + "/b"};
  char arg0[] = "b";
  char* argv[] = {arg0, nullptr};
  req.argv = argv;
  req.envp = environ;
  req.stdin_fd = devnull_.get();
  req.stdout_fd = req.stderr_fd = w.get();
  const std::string missing = dir_ + "/no-such-dir";
  req.cwd = missing.c_str();
  pid_t pid = -1;
  EXPECT_EQ(Spawn(req, &pid), ENOENT);
  EXPECT_EQ(pid, -1);
}

// A daemon started with stdin closed gets 0, 1 or 2 back from pipe() or
// open(): the child must still end up with each stream where asked.
TEST_F(SpawnTest, SourcesNumberedBelowThreeStillLandRight) {
  Script(dir_ + "/b", "echo to-stdout; echo to-stderr >&2", 0755);
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  UniqueFd out_r(p[0]);
  // Our stdin is put aside and the stdout pipe's write end takes fd 0.
  UniqueFd saved(fcntl(0, F_DUPFD_CLOEXEC, 3));
  ASSERT_TRUE(saved.valid());
  ASSERT_EQ(dup2(p[1], 0), 0);
  close(p[1]);
  std::string err_out;
  int status = -1;
  int rc = Run({dir_ + "/b"}, &err_out, &status, /*out_fd=*/0);
  // Run closed fd 0 (its out_fd): give our stdin back.
  ASSERT_EQ(dup2(saved.get(), 0), 0);
  ASSERT_EQ(rc, 0);
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = read(out_r.get(), buf, sizeof(buf))) > 0) out.append(buf, n);
  EXPECT_EQ(out, "to-stdout\n");
  EXPECT_EQ(err_out, "to-stderr\n");
}

}  // namespace
}  // namespace coyotes
