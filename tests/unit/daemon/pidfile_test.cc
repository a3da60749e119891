// Unit tests for src/daemon/pidfile.h: the pid file's content, the flock that
// says whether a daemon runs (within one process, across a fork), stale-file
// takeover, Remove() and error messages.
#include "daemon/pidfile.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace coyotes {
namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string ReadWhole(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void WriteWhole(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

class PidFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ =
        std::string(tmp && *tmp ? tmp : "/tmp") + "/coyotes-pidfile-XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr) << std::strerror(errno);
    dir_ = templ;
    path_ = dir_ + "/coyotes.pid";
  }
  void TearDown() override {
    if (dir_.empty()) return;
    for (const std::string& name : Entries())
      unlink((dir_ + "/" + name).c_str());
    rmdir(dir_.c_str());
  }

  std::vector<std::string> Entries() const {
    std::vector<std::string> names;
    DIR* d = opendir(dir_.c_str());
    if (d == nullptr) return names;
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    closedir(d);
    return names;
  }

  std::string dir_, path_;
};

std::string MyPid() { return std::to_string(getpid()); }

TEST_F(PidFileTest, AcquireWritesPidAndNewline) {
  Result<PidFile> pf = PidFile::Acquire(path_);
  ASSERT_TRUE(pf.ok()) << pf.status().ToString();
  EXPECT_EQ(pf->path(), path_);
  EXPECT_EQ(ReadWhole(path_), MyPid() + "\n");
  // The temporary file was renamed into place: nothing else is left.
  EXPECT_EQ(Entries(), std::vector<std::string>{"coyotes.pid"});
}

TEST_F(PidFileTest, FileIsLockedWhileHeld) {
  Result<PidFile> pf = PidFile::Acquire(path_);
  ASSERT_TRUE(pf.ok()) << pf.status().ToString();
  // Another open file description cannot take the lock: the lock lives on
  // the inode now at the path (the rename kept it there).
  int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(flock(fd, LOCK_EX | LOCK_NB), -1);
  EXPECT_EQ(errno, EWOULDBLOCK);
  close(fd);
}

TEST_F(PidFileTest, SecondAcquireInSameProcessConflicts) {
  Result<PidFile> first = PidFile::Acquire(path_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  // flock belongs to the open file description, so a second Acquire (a new
  // open) conflicts even from the same process.
  Result<PidFile> second = PidFile::Acquire(path_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(Contains(second.status().message(), MyPid()))
      << second.status().message();
  EXPECT_TRUE(Contains(second.status().message(), path_))
      << second.status().message();
  // The holder's file is untouched.
  EXPECT_EQ(ReadWhole(path_), MyPid() + "\n");
}

TEST_F(PidFileTest, StaleFileWithGarbageIsTakenOver) {
  WriteWhole(path_, "not a pid at all\n\x01\x02");
  Result<PidFile> pf = PidFile::Acquire(path_);
  ASSERT_TRUE(pf.ok()) << pf.status().ToString();
  EXPECT_EQ(ReadWhole(path_), MyPid() + "\n");
}

TEST_F(PidFileTest, StaleFileWithOtherPidIsTakenOver) {
  // A pid that may well be alive (init's): only the lock counts.
  WriteWhole(path_, "1\n");
  Result<PidFile> pf = PidFile::Acquire(path_);
  ASSERT_TRUE(pf.ok()) << pf.status().ToString();
  EXPECT_EQ(ReadWhole(path_), MyPid() + "\n");
}

TEST_F(PidFileTest, LongerStaleContentIsReplacedWhole) {
  WriteWhole(path_, "12345678901234567890\n");
  Result<PidFile> pf = PidFile::Acquire(path_);
  ASSERT_TRUE(pf.ok()) << pf.status().ToString();
  EXPECT_EQ(ReadWhole(path_), MyPid() + "\n");
}

TEST_F(PidFileTest, RemoveUnlinksAndReleases) {
  Result<PidFile> pf = PidFile::Acquire(path_);
  ASSERT_TRUE(pf.ok()) << pf.status().ToString();
  pf->Remove();
  EXPECT_FALSE(Exists(path_));
  EXPECT_EQ(pf->path(), "");
  pf->Remove();  // harmless twice
  Result<PidFile> again = PidFile::Acquire(path_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(ReadWhole(path_), MyPid() + "\n");
}

TEST_F(PidFileTest, DestructorReleasesWithoutUnlinking) {
  {
    Result<PidFile> pf = PidFile::Acquire(path_);
    ASSERT_TRUE(pf.ok()) << pf.status().ToString();
  }
  EXPECT_TRUE(Exists(path_));
  EXPECT_EQ(ReadWhole(path_), MyPid() + "\n");
  Result<PidFile> again = PidFile::Acquire(path_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
}

TEST_F(PidFileTest, ForgetReleasesWithoutUnlinking) {
  Result<PidFile> pf = PidFile::Acquire(path_);
  ASSERT_TRUE(pf.ok()) << pf.status().ToString();
  pf->Forget();
  pf->Remove();  // no path any more: must not unlink
  EXPECT_TRUE(Exists(path_));
  Result<PidFile> again = PidFile::Acquire(path_);
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

TEST_F(PidFileTest, MoveKeepsTheLock) {
  Result<PidFile> pf = PidFile::Acquire(path_);
  ASSERT_TRUE(pf.ok()) << pf.status().ToString();
  PidFile moved = std::move(pf.value());
  EXPECT_EQ(moved.path(), path_);
  Result<PidFile> second = PidFile::Acquire(path_);
  EXPECT_FALSE(second.ok());
  moved.Remove();
  EXPECT_FALSE(Exists(path_));
}

TEST_F(PidFileTest, NonexistentDirectoryFailsClearly) {
  const std::string path = dir_ + "/no/such/dir/coyotes.pid";
  Result<PidFile> pf = PidFile::Acquire(path);
  ASSERT_FALSE(pf.ok());
  EXPECT_NE(pf.status().code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(Contains(pf.status().message(), path)) << pf.status().message();
  EXPECT_TRUE(Contains(pf.status().message(), std::strerror(ENOENT)))
      << pf.status().message();
}

// Reads one byte from fd (blocking); false at EOF or error.
bool ReadByte(int fd) {
  char c;
  for (;;) {
    ssize_t n = read(fd, &c, 1);
    if (n == 1) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

TEST_F(PidFileTest, LockHeldByAnotherProcess) {
  int ready[2], release[2];
  ASSERT_EQ(pipe2(ready, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(release, O_CLOEXEC), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    close(release[1]);
    Result<PidFile> pf = PidFile::Acquire(path_);
    char status = pf.ok() ? 'k' : 'e';
    if (write(ready[1], &status, 1) != 1) _exit(3);
    ReadByte(release[0]);  // until the parent says so (or dies)
    _exit(pf.ok() ? 0 : 1);
  }
  close(ready[1]);
  close(release[0]);
  char status = 0;
  ASSERT_EQ(read(ready[0], &status, 1), 1);
  ASSERT_EQ(status, 'k') << "the child could not acquire the pid file";

  EXPECT_EQ(ReadWhole(path_), std::to_string(child) + "\n");
  Result<PidFile> pf = PidFile::Acquire(path_);
  ASSERT_FALSE(pf.ok());
  EXPECT_EQ(pf.status().code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(Contains(pf.status().message(), std::to_string(child)))
      << pf.status().message();
  EXPECT_FALSE(Contains(pf.status().message(), MyPid()))
      << pf.status().message();

  // The child exits without removing its file: the file is stale now and
  // ours for the taking.
  close(release[1]);
  close(ready[0]);
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus));
  EXPECT_EQ(WEXITSTATUS(wstatus), 0);
  EXPECT_EQ(ReadWhole(path_), std::to_string(child) + "\n");

  Result<PidFile> taken = PidFile::Acquire(path_);
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  EXPECT_EQ(ReadWhole(path_), MyPid() + "\n");
}

TEST_F(PidFileTest, ChildInheritingTheDescriptorDoesNotRemoveTheFile) {
  // The daemon forks workers, which Forget() their copy: closing the
  // child's descriptor must neither unlink the file nor release the lock
  // the parent holds on the shared open file description.
  Result<PidFile> pf = PidFile::Acquire(path_);
  ASSERT_TRUE(pf.ok()) << pf.status().ToString();
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    pf->Forget();
    _exit(0);
  }
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  EXPECT_TRUE(Exists(path_));
  EXPECT_FALSE(PidFile::Acquire(path_).ok()) << "the lock was lost";
}

}  // namespace
}  // namespace coyotes
