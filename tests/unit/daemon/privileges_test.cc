// ResolveRunAs, DropPrivileges and CheckCannotRegainRoot
// (src/daemon/privileges.h). Dropping is tried for real in a forked child,
// which needs root; the test says so and skips when not root.
#include "daemon/privileges.h"

#include <grp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace coyotes {
namespace {

TEST(ResolveRunAsTest, UserAndPrimaryGroup) {
  auto who = ResolveRunAs("nobody");
  ASSERT_TRUE(who.ok()) << who.status().ToString();
  EXPECT_EQ(who->user, "nobody");
  EXPECT_EQ(who->uid, 65534u);
  EXPECT_EQ(who->gid, 65534u);
  EXPECT_EQ(who->group, "nogroup");
}

TEST(ResolveRunAsTest, ExplicitGroup) {
  auto who = ResolveRunAs("nobody:root");
  ASSERT_TRUE(who.ok()) << who.status().ToString();
  EXPECT_EQ(who->uid, 65534u);
  EXPECT_EQ(who->gid, 0u);
  EXPECT_EQ(who->group, "root");
}

TEST(ResolveRunAsTest, UnknownNamesAreNamed) {
  auto user = ResolveRunAs("no-such-user-here");
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.status().message(), "unknown user 'no-such-user-here'");
  auto group = ResolveRunAs("nobody:no-such-group-here");
  ASSERT_FALSE(group.ok());
  EXPECT_EQ(group.status().message(), "unknown group 'no-such-group-here'");
  EXPECT_FALSE(ResolveRunAs("").ok());
  EXPECT_FALSE(ResolveRunAs(":root").ok());
  EXPECT_FALSE(ResolveRunAs("nobody:").ok());
}

TEST(CurrentUserTest, NamesOurIds) {
  RunAs me = CurrentUser();
  EXPECT_EQ(me.uid, getuid());
  EXPECT_EQ(me.gid, getgid());
  EXPECT_FALSE(me.user.empty());
}

// Runs `body` in a forked child; its return value is the exit status.
int InChild(int (*body)()) {
  pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

TEST(DropPrivilegesTest, BecomesNobodyForGood) {
  if (geteuid() != 0) GTEST_SKIP() << "changing user needs root";
  int rc = InChild([]() -> int {
    auto who = ResolveRunAs("nobody");
    if (!who.ok()) return 10;
    if (!DropPrivileges(who.value()).ok()) return 11;
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    if (r != 65534 || e != 65534 || s != 65534) return 12;
    gid_t rg, eg, sg;
    getresgid(&rg, &eg, &sg);
    if (rg != 65534 || eg != 65534 || sg != 65534) return 13;
    // Root's supplementary group 0 is gone.
    gid_t groups[64];
    int n = getgroups(64, groups);
    for (int i = 0; i < n; i++)
      if (groups[i] == 0) return 14;
    if (setuid(0) == 0 || seteuid(0) == 0) return 15;
    if (!CheckCannotRegainRoot().ok()) return 16;
    return 0;
  });
  EXPECT_EQ(rc, 0);
}

TEST(DropPrivilegesTest, ExplicitGroupIsTheGroup) {
  if (geteuid() != 0) GTEST_SKIP() << "changing user needs root";
  int rc = InChild([]() -> int {
    auto who = ResolveRunAs("nobody:daemon");
    if (!who.ok()) return 10;
    if (!DropPrivileges(who.value()).ok()) return 11;
    group* daemon = getgrnam("daemon");
    if (daemon == nullptr) return 12;
    if (getgid() != daemon->gr_gid || getegid() != daemon->gr_gid) return 13;
    return getuid() == 65534 ? 0 : 14;
  });
  EXPECT_EQ(rc, 0);
}

TEST(DropPrivilegesTest, AlreadyThatUserIsNoChange) {
  RunAs me = CurrentUser();
  EXPECT_TRUE(DropPrivileges(me).ok());
  EXPECT_EQ(getuid(), me.uid);
}

TEST(DropPrivilegesTest, NonRootCannotBecomeAnother) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to become a non-root user";
  int rc = InChild([]() -> int {
    if (!DropPrivileges(ResolveRunAs("nobody").value()).ok()) return 10;
    auto other = ResolveRunAs("daemon");
    if (!other.ok()) return 11;
    Status s = DropPrivileges(other.value());
    return s.ok() ? 12 : 0;
  });
  EXPECT_EQ(rc, 0);
}

}  // namespace
}  // namespace coyotes
