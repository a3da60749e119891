// ReadSecretFile and SecretLine (src/base/secret_file.h): what a secret file
// may hold and who may read it.
#include "base/secret_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace coyotes {
namespace {

class SecretFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/coyotes-secret-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  std::string Write(const std::string& name, const std::string& content,
                    mode_t mode) {
    std::string path = dir_ + "/" + name;
    FILE* f = fopen(path.c_str(), "w");
    EXPECT_NE(f, nullptr);
    fwrite(content.data(), 1, content.size(), f);
    fclose(f);
    EXPECT_EQ(chmod(path.c_str(), mode), 0);
    return path;
  }
  std::string dir_;
};

TEST_F(SecretFileTest, ReadsAPrivateFile) {
  auto r = ReadSecretFile(Write("pw", "abc\n", 0600));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value(), "abc\n");
  // Group-readable is the administrator's choice (a coyotes group).
  EXPECT_TRUE(ReadSecretFile(Write("g", "abc", 0640)).ok());
}

TEST_F(SecretFileTest, RefusesAFileOthersMayRead) {
  std::string path = Write("pw", "abc\n", 0604);
  auto r = ReadSecretFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(path), std::string::npos);
  EXPECT_NE(r.status().message().find("readable by other users"),
            std::string::npos)
      << r.status().message();
}

TEST_F(SecretFileTest, RefusesMissingDirectoryAndHugeFiles) {
  EXPECT_FALSE(ReadSecretFile(dir_ + "/missing").ok());
  auto dir = ReadSecretFile(dir_);
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.status().message().find("not a regular file"),
            std::string::npos);
  EXPECT_FALSE(
      ReadSecretFile(Write("big", std::string(64 * 1024 + 1, 'x'), 0600)).ok());
  EXPECT_TRUE(
      ReadSecretFile(Write("edge", std::string(64 * 1024, 'x'), 0600)).ok());
}

TEST(SecretLineTest, OneLine) {
  EXPECT_EQ(SecretLine("pw").value(), "pw");
  EXPECT_EQ(SecretLine("pw\n").value(), "pw");
  EXPECT_EQ(SecretLine("pw\r\n").value(), "pw");
  EXPECT_EQ(SecretLine("p w").value(), "p w");
}

TEST(SecretLineTest, RefusesWhatNobodyCouldSee) {
  for (std::string bad :
       {std::string(""), std::string("\n"), std::string("a\nb"),
        std::string("a\n\n"), std::string(" pw"), std::string("pw "),
        std::string("pw\t\n"), std::string("a\0b", 3)}) {
    EXPECT_FALSE(SecretLine(bad).ok()) << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace coyotes
