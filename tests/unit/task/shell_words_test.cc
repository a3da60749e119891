// Which task strings skip /bin/sh (src/task/shell_words.h).
#include "task/shell_words.h"

#include <gtest/gtest.h>

namespace coyotes {
namespace {

using Words = std::vector<std::string>;

TEST(ShellWords, SimpleLinesAreSplit) {
  EXPECT_EQ(SimpleCommandWords("touch /tmp/a"), Words({"touch", "/tmp/a"}));
  EXPECT_EQ(SimpleCommandWords("  ping\t-c 40   example.org "),
            Words({"ping", "-c", "40", "example.org"}));
  EXPECT_EQ(SimpleCommandWords("php artisan queue:work --tries=3"),
            Words({"php", "artisan", "queue:work", "--tries=3"}));
  EXPECT_EQ(SimpleCommandWords("rsync -a a,b user@host:/x 50%"),
            Words({"rsync", "-a", "a,b", "user@host:/x", "50%"}));
}

TEST(ShellWords, AnythingTheShellWouldInterpretKeepsTheShell) {
  for (const char* s :
       {"echo $HOME", "ls *.txt", "a; b",   "a && b",        "a | b",
        "a > f",      "a < f",    "a &",    "echo 'x'",      "echo \"x\"",
        "a\\ b",      "ls ~",     "ls ~/x", "cmd # comment", "a\nb",
        "(a)",        "{ a; }",   "a `b`",  "a $(b)",        "ls [ab]",
        "ls a?",      "!a",       "a^b"})
    EXPECT_FALSE(SimpleCommandWords(s).has_value()) << s;
}

TEST(ShellWords, AssignmentsKeywordsAndBuiltinsKeepTheShell) {
  for (const char* s :
       {"FOO=1 env", "X=y",        "echo hi",   "cd /tmp",   "exit 3",
        "true",      "false",      "test -f x", "[ -f x ]",  "kill 1",
        "printf x",  "pwd",        "exec ls",   "if",        "while",
        "for",       "time ls",    ". script",  ": nothing", "umask 2",
        "ulimit -n", "wait",       "export A",  "set -e",    "trap x 1",
        "read x",    "command ls", "type ls",   "unset A",   "shift",
        "eval ls"})
    EXPECT_FALSE(SimpleCommandWords(s).has_value()) << s;
}

TEST(ShellWords, EmptyLinesKeepTheShell) {
  EXPECT_FALSE(SimpleCommandWords("").has_value());
  EXPECT_FALSE(SimpleCommandWords("   \t ").has_value());
}

TEST(ShellWords, LaterWordsMayHoldEquals) {
  EXPECT_EQ(SimpleCommandWords("env A=1"), Words({"env", "A=1"}));
}

}  // namespace
}  // namespace coyotes
