// CommandPaths: the answer execvp's search would give, remembered only
// while the directories searched before it stay as they were.
#include "task/command_path.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace coyotes {
namespace {

TEST(PathCandidatesTest, OnePerEntryAsExecvpTriesThem) {
  using V = std::vector<std::string>;
  EXPECT_EQ(PathCandidates("/a:/b/", "x"), (V{"/a/x", "/b/x"}));
  // An empty entry is the working directory.
  EXPECT_EQ(PathCandidates(":/a:", "x"), (V{"x", "/a/x", "x"}));
  EXPECT_EQ(PathCandidates("", "x"), (V{"x"}));
  // Unset: execvp's default path.
  EXPECT_EQ(PathCandidates(nullptr, "x"), (V{"/bin/x", "/usr/bin/x"}));
  // A name with a slash is not searched.
  EXPECT_EQ(PathCandidates("/a:/b", "./x"), (V{"./x"}));
  EXPECT_EQ(PathCandidates("/a", "/bin/x"), (V{"/bin/x"}));
}

class CommandPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        std::string(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") +
        "/coyotes-path-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    a_ = root_ + "/a";
    b_ = root_ + "/b";
    ASSERT_EQ(mkdir(a_.c_str(), 0755), 0);
    ASSERT_EQ(mkdir(b_.c_str(), 0755), 0);
    path_ = a_ + ":" + b_;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  static void MakeExecutable(const std::string& file) {
    int fd = open(file.c_str(), O_CREAT | O_WRONLY, 0755);
    ASSERT_GE(fd, 0);
    close(fd);
  }
  // Sets a directory's time a minute back: quiet, so trusted.
  static void Age(const std::string& dir) {
    timespec times[2];
    clock_gettime(CLOCK_REALTIME, &times[0]);
    times[0].tv_sec -= 60;
    times[1] = times[0];
    ASSERT_EQ(utimensat(AT_FDCWD, dir.c_str(), times, 0), 0);
  }

  std::string root_, a_, b_, path_;
  CommandPaths paths_;
};

TEST_F(CommandPathTest, FindsTheFirstDirectoryThatHoldsIt) {
  MakeExecutable(b_ + "/cmd");
  EXPECT_EQ(paths_.Find(path_, "cmd"), b_ + "/cmd");
  EXPECT_EQ(paths_.Find(path_, "nothing"), std::nullopt);
}

TEST_F(CommandPathTest, RemembersWhileEarlierDirectoriesStayTheSame) {
  MakeExecutable(b_ + "/cmd");
  Age(a_);
  ASSERT_EQ(paths_.Find(path_, "cmd"), b_ + "/cmd");
  // Remembered: the file's removal is not looked for (the spawn fails and
  // the caller forgets it).
  ASSERT_EQ(unlink((b_ + "/cmd").c_str()), 0);
  EXPECT_EQ(paths_.Find(path_, "cmd"), b_ + "/cmd");
  paths_.Forget("cmd");
  EXPECT_EQ(paths_.Find(path_, "cmd"), std::nullopt);
}

TEST_F(CommandPathTest, ACommandAddedEarlierInPathIsFound) {
  MakeExecutable(b_ + "/cmd");
  Age(a_);
  ASSERT_EQ(paths_.Find(path_, "cmd"), b_ + "/cmd");
  MakeExecutable(a_ + "/cmd");  // changes a's time
  EXPECT_EQ(paths_.Find(path_, "cmd"), a_ + "/cmd");
}

TEST_F(CommandPathTest, ARecentlyChangedDirectoryIsNotTrusted) {
  MakeExecutable(b_ + "/cmd");  // a was just created: its time is now
  ASSERT_EQ(paths_.Find(path_, "cmd"), b_ + "/cmd");
  ASSERT_EQ(unlink((b_ + "/cmd").c_str()), 0);
  EXPECT_EQ(paths_.Find(path_, "cmd"), std::nullopt);  // searched again
}

TEST_F(CommandPathTest, LeavesHardCasesToTheSystemSearch) {
  MakeExecutable(b_ + "/cmd");
  Age(a_);
  EXPECT_EQ(paths_.Find("relative:" + b_, "cmd"), std::nullopt);
  EXPECT_EQ(paths_.Find(":" + b_, "cmd"), std::nullopt);
  EXPECT_EQ(paths_.Find(path_, "sub/cmd"), std::nullopt);
  // Something named cmd earlier in PATH that execvp would try first.
  ASSERT_EQ(symlink((root_ + "/none").c_str(), (a_ + "/cmd").c_str()), 0);
  EXPECT_EQ(paths_.Find(path_, "cmd"), std::nullopt);
  ASSERT_EQ(unlink((a_ + "/cmd").c_str()), 0);
  int fd = open((a_ + "/cmd").c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(fd, 0);
  close(fd);
  EXPECT_EQ(paths_.Find(path_, "cmd"), std::nullopt);  // not executable
  // A missing directory cannot be watched.
  EXPECT_EQ(paths_.Find(root_ + "/gone:" + b_, "cmd"), std::nullopt);
}

TEST_F(CommandPathTest, ANewPathStartsAfresh) {
  MakeExecutable(a_ + "/cmd");
  MakeExecutable(b_ + "/cmd");
  EXPECT_EQ(paths_.Find(path_, "cmd"), a_ + "/cmd");
  EXPECT_EQ(paths_.Find(b_ + ":" + a_, "cmd"), b_ + "/cmd");
}

}  // namespace
}  // namespace coyotes
