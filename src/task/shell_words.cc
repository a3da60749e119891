#include "task/shell_words.h"

#include <algorithm>
#include <array>

namespace coyotes {

namespace {

bool IsPlain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
         c == '/' || c == ',' || c == ':' || c == '+' || c == '=' || c == '@' ||
         c == '%' || c == ' ' || c == '\t';
}

// Reserved words and the builtins of dash (Debian's /bin/sh) and of POSIX
// sh: as programs they would not behave as the shell runs them.
constexpr std::array<std::string_view, 52> kShellWords = {
    "!",       "{",        "}",      "case",   "do",       "done",     "elif",
    "else",    "esac",     "fi",     "for",    "function", "if",       "in",
    "select",  "then",     "time",   "until",  "while",    ".",        ":",
    "alias",   "bg",       "break",  "cd",     "command",  "continue", "echo",
    "eval",    "exec",     "exit",   "export", "false",    "fc",       "fg",
    "getopts", "hash",     "jobs",   "kill",   "local",    "printf",   "pwd",
    "read",    "readonly", "return", "set",    "shift",    "test",     "times",
    "trap",    "true",     "type"};
constexpr std::array<std::string_view, 6> kMoreBuiltins = {
    "ulimit", "umask", "unalias", "unset", "wait", "["};

}  // namespace

std::optional<std::vector<std::string>> SimpleCommandWords(
    std::string_view command) {
  if (!std::all_of(command.begin(), command.end(), IsPlain))
    return std::nullopt;
  std::vector<std::string> words;
  size_t i = 0;
  while (i < command.size()) {
    while (i < command.size() && (command[i] == ' ' || command[i] == '\t')) i++;
    size_t start = i;
    while (i < command.size() && command[i] != ' ' && command[i] != '\t') i++;
    if (i > start) words.emplace_back(command.substr(start, i - start));
  }
  if (words.empty()) return std::nullopt;
  const std::string& first = words[0];
  if (first.find('=') != std::string::npos) return std::nullopt;
  for (auto w : kShellWords)
    if (first == w) return std::nullopt;
  for (auto w : kMoreBuiltins)
    if (first == w) return std::nullopt;
  return words;
}

}  // namespace coyotes
