// CheckPolicy and ResolveAllowEntry (src/task/policy.h) over a scratch
// PATH of real files: shell syntax, allowed programs found through PATH and
// symlinks, and environment names.
#include "task/policy.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace coyotes {
namespace {

class PolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/coyotes-policy-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_EQ(mkdir((dir_ + "/bin").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((dir_ + "/other").c_str(), 0755), 0);
    Program("bin/tool");
    Program("other/evil");
    ASSERT_EQ(
        symlink((dir_ + "/bin/tool").c_str(), (dir_ + "/other/alias").c_str()),
        0);
    std::ofstream(dir_ + "/bin/data") << "not executable\n";
    path_ = dir_ + "/other:" + dir_ + "/bin";
  }
  void TearDown() override {
    ASSERT_EQ(std::system(("rm -rf '" + dir_ + "'").c_str()), 0);
  }
  void Program(const std::string& rel) {
    std::string p = dir_ + "/" + rel;
    std::ofstream(p) << "#!/bin/sh\nexit 0\n";
    ASSERT_EQ(chmod(p.c_str(), 0755), 0);
  }
  static TaskSpec Shell(const std::string& line) {
    TaskSpec s;
    s.command = line;
    return s;
  }
  static TaskSpec Direct(const std::string& program) {
    TaskSpec s;
    s.command = program;
    s.args = std::vector<std::string>{"x"};
    return s;
  }
  CommandPolicy AllowTool() {
    CommandPolicy p;
    p.shell = false;
    p.allow = std::vector<std::string>{dir_ + "/bin/tool"};
    p.env_allow = std::vector<std::string>{};
    p.refuse_loader_env = true;
    return p;
  }
  PolicyDecision Check(const TaskSpec& s, const CommandPolicy& p) {
    return CheckPolicy(s, p, "c", path_.c_str());
  }
  std::string dir_, path_;
};

TEST_F(PolicyTest, DefaultPolicyAllowsEverything) {
  CommandPolicy p;
  EXPECT_TRUE(p.unrestricted());
  TaskSpec s = Shell("echo $HOME | tr a b");
  s.env = {{"LD_PRELOAD", "/x.so"}};
  PolicyDecision d = Check(s, p);
  EXPECT_EQ(d.refusal, "");
  EXPECT_EQ(d.program, "");
  EXPECT_FALSE(d.split_words);
}

TEST_F(PolicyTest, NoShellRefusesShellSyntaxAndSplitsPlainWords) {
  CommandPolicy p;
  p.shell = false;
  for (const char* line : {"tool a | tr a b", "tool $HOME", "tool > f",
                           "echo plain", "cd /", "tool 'quoted'"}) {
    EXPECT_EQ(Check(Shell(line), p).refusal,
              "shell syntax not allowed in channel c")
        << line;
  }
  PolicyDecision d = Check(Shell("tool a b"), p);
  EXPECT_EQ(d.refusal, "");
  EXPECT_TRUE(d.split_words);
  EXPECT_EQ(Check(Direct("tool"), p).refusal, "");
  EXPECT_FALSE(Check(Direct("tool"), p).split_words);
}

TEST_F(PolicyTest, AllowListResolvesThroughPathAndSymlinks) {
  CommandPolicy p = AllowTool();
  PolicyDecision d = Check(Direct("tool"), p);
  EXPECT_EQ(d.refusal, "");
  EXPECT_EQ(d.program, dir_ + "/bin/tool");
  // A symlink to an allowed program is that program.
  d = Check(Direct("alias"), p);
  EXPECT_EQ(d.refusal, "");
  EXPECT_EQ(d.program, dir_ + "/bin/tool");
  d = Check(Shell("tool a"), p);
  EXPECT_EQ(d.refusal, "");
  EXPECT_EQ(d.program, dir_ + "/bin/tool");
  EXPECT_TRUE(d.split_words);
  EXPECT_EQ(Check(Direct(dir_ + "/bin/tool"), p).refusal, "");
}

TEST_F(PolicyTest, AllowListRefusesOtherPrograms) {
  CommandPolicy p = AllowTool();
  EXPECT_EQ(Check(Direct("evil"), p).refusal,
            "program not allowed in channel c: " + dir_ + "/other/evil");
  EXPECT_EQ(Check(Direct("/bin/sh"), p)
                .refusal.rfind("program not allowed in channel c: ", 0),
            0u);
  EXPECT_EQ(Check(Direct("missing"), p).refusal,
            "program not allowed in channel c: missing");
  EXPECT_EQ(Check(Direct("data"), p).refusal,
            "program not allowed in channel c: data");
  EXPECT_EQ(Check(Shell("evil x"), p).refusal,
            "program not allowed in channel c: " + dir_ + "/other/evil");
}

TEST_F(PolicyTest, EnvironmentNames) {
  CommandPolicy p = AllowTool();
  TaskSpec s = Direct("tool");
  s.env = {{"FOO", "1"}};
  EXPECT_EQ(Check(s, p).refusal,
            "environment variable not allowed in channel c: FOO");
  p.env_allow = std::vector<std::string>{"FOO", "LD_PRELOAD"};
  EXPECT_EQ(Check(s, p).refusal, "");
  // Listed or not, the loader's variables are refused here.
  s.env.push_back({"LD_PRELOAD", "/tmp/x.so"});
  EXPECT_EQ(Check(s, p).refusal,
            "environment variable not allowed in channel c: LD_PRELOAD");
  // Without refuse_loader_env, env_allow alone decides.
  CommandPolicy only_env;
  only_env.env_allow = std::vector<std::string>{"LD_PRELOAD"};
  EXPECT_EQ(Check(s, only_env).refusal,
            "environment variable not allowed in channel c: FOO");
  s.env = {{"LD_PRELOAD", "/tmp/x.so"}};
  EXPECT_EQ(Check(s, only_env).refusal, "");
}

TEST(LoaderVariableTest, KnownNames) {
  for (const char* n : {"LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT",
                        "LD_ANYTHING", "GLIBC_TUNABLES", "GCONV_PATH"})
    EXPECT_TRUE(IsLoaderVariable(n)) << n;
  for (const char* n : {"PATH", "HOME", "LANG", "XLD_PRELOAD", "LD"})
    EXPECT_FALSE(IsLoaderVariable(n)) << n;
}

TEST_F(PolicyTest, ResolveAllowEntry) {
  EXPECT_EQ(ResolveAllowEntry("tool", path_.c_str()).value(),
            dir_ + "/bin/tool");
  EXPECT_EQ(ResolveAllowEntry("alias", path_.c_str()).value(),
            dir_ + "/bin/tool");
  EXPECT_EQ(ResolveAllowEntry(dir_ + "/other/evil", path_.c_str()).value(),
            dir_ + "/other/evil");
  EXPECT_FALSE(ResolveAllowEntry("missing", path_.c_str()).ok());
  EXPECT_FALSE(ResolveAllowEntry("data", path_.c_str()).ok());
  EXPECT_FALSE(ResolveAllowEntry("bin/tool", path_.c_str()).ok());
  EXPECT_FALSE(ResolveAllowEntry("", path_.c_str()).ok());
}

}  // namespace
}  // namespace coyotes
