// TokenTable (src/http/auth.h): the token file's syntax, and the verdict
// for each kind of Authorization header and method.
#include "http/auth.h"

#include <gtest/gtest.h>

#include <string>

namespace coyotes {
namespace {

using V = TokenTable::Verdict;

constexpr char kWrite[] = "0123456789abcdef-write";
constexpr char kRead[] = "0123456789abcdef-read";

TokenTable Table() {
  auto t = TokenTable::Parse(std::string("# operators\n\n") + kWrite + "\n" +
                             "  " + kRead + "   read  \n");
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? t.value() : TokenTable();
}

std::string Bearer(const std::string& token) { return "Bearer " + token; }

TEST(TokenTableTest, ParsesTokensCommentsAndReadMarks) {
  EXPECT_EQ(Table().size(), 2u);
}

TEST(TokenTableTest, RefusesShortTokensBadWordsAndEmptyFiles) {
  auto short_token = TokenTable::Parse("abc\n");
  ASSERT_FALSE(short_token.ok());
  EXPECT_NE(short_token.status().message().find("line 1"), std::string::npos);
  EXPECT_NE(short_token.status().message().find("shorter than 16"),
            std::string::npos);
  EXPECT_FALSE(TokenTable::Parse("0123456789abcdefgh write\n").ok());
  EXPECT_FALSE(TokenTable::Parse("0123456789abcdefgh read more\n").ok());
  EXPECT_FALSE(TokenTable::Parse("# only a comment\n\n").ok());
  EXPECT_FALSE(TokenTable::Parse("").ok());
  // Exactly 16 characters is enough; CRLF files work.
  EXPECT_TRUE(TokenTable::Parse("0123456789abcdef\r\n").ok());
}

TEST(TokenTableTest, WriteTokenMayDoEverything) {
  TokenTable t = Table();
  for (const char* m : {"GET", "HEAD", "POST", "DELETE", "PUT"})
    EXPECT_EQ(t.Check(Bearer(kWrite).c_str(), m), V::kAllowed) << m;
}

TEST(TokenTableTest, ReadTokenMayOnlyRead) {
  TokenTable t = Table();
  EXPECT_EQ(t.Check(Bearer(kRead).c_str(), "GET"), V::kAllowed);
  EXPECT_EQ(t.Check(Bearer(kRead).c_str(), "HEAD"), V::kAllowed);
  EXPECT_EQ(t.Check(Bearer(kRead).c_str(), "POST"), V::kReadOnly);
  EXPECT_EQ(t.Check(Bearer(kRead).c_str(), "DELETE"), V::kReadOnly);
}

TEST(TokenTableTest, MissingMalformedAndUnknown) {
  TokenTable t = Table();
  EXPECT_EQ(t.Check(nullptr, "GET"), V::kMissing);
  EXPECT_EQ(t.Check("", "GET"), V::kMissing);
  EXPECT_EQ(t.Check("Bearer", "GET"), V::kMissing);
  EXPECT_EQ(t.Check("Bearer   ", "GET"), V::kMissing);
  EXPECT_EQ(t.Check(("Basic " + std::string(kWrite)).c_str(), "GET"),
            V::kMissing);
  EXPECT_EQ(t.Check(("Bearer" + std::string(kWrite)).c_str(), "GET"),
            V::kMissing);
  EXPECT_EQ(t.Check(Bearer("0123456789abcdef-wrong").c_str(), "GET"),
            V::kUnknown);
  // A prefix or an extension of a token is not the token.
  EXPECT_EQ(t.Check(Bearer("0123456789abcdef-writ").c_str(), "GET"),
            V::kUnknown);
  EXPECT_EQ(t.Check(Bearer(std::string(kWrite) + "x").c_str(), "GET"),
            V::kUnknown);
  // The scheme is case-insensitive, blanks around the token are not part
  // of it.
  EXPECT_EQ(t.Check(("bEaReR \t" + std::string(kWrite) + " ").c_str(), "POST"),
            V::kAllowed);
}

TEST(ConstantTimeEqualsTest, ComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("ab", "abc"));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0", 2), "a"));
}

}  // namespace
}  // namespace coyotes
