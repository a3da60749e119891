// The shell-free fast path for task strings, the way GNU make runs simple
// recipe lines: a command line that the shell would only split into words
// and look up in PATH is split here and executed directly, which saves
// starting /bin/sh for every task.
//
// A string takes the fast path only when all of these hold (anything else
// goes to /bin/sh -c unchanged):
//  * it is made of the characters [A-Za-z0-9], space, tab and _ - . / , :
//    + = @ % only: no quoting, expansion, globbing, redirection, comment,
//    tilde, newline or job-control character can be in it;
//  * it has at least one word, and the first word contains no '=' (an
//    assignment prefix) and is not a shell keyword or a builtin of
//    /bin/sh (echo, test, cd, ... behave differently as programs).
// The caller also keeps the shell when the task's env sets PATH (sh would
// search the new PATH), and emulates sh's answers for a command that is
// not found (127) or not executable (126).
#ifndef COYOTES_TASK_SHELL_WORDS_H_
#define COYOTES_TASK_SHELL_WORDS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coyotes {

// The words of `command` when it takes the fast path, else nullopt.
std::optional<std::vector<std::string>> SimpleCommandWords(
    std::string_view command);

}  // namespace coyotes

#endif  // COYOTES_TASK_SHELL_WORDS_H_
