// What the bench hands coyotes: producer items (the JSON a producer LPUSHes
// onto the prepare queue) and form bodies for POST /channels/NAME. Every
// item carries the channel it is meant for and the time it was made.
#ifndef COYOTES_BENCH_TASK_ITEMS_H_
#define COYOTES_BENCH_TASK_ITEMS_H_

#include <string>

namespace bench {

// {"task":CMD,"chan":CHAN,"ts":...}: a shell command line.
std::string ShellItem(const std::string& cmd, const std::string& chan);
// {"command":"touch","args":[FILE],"chan":CHAN,"ts":...}: no shell.
std::string ArgvItem(const std::string& file, const std::string& chan);
// Percent-encoding for a form value.
std::string UrlEncode(const std::string& s);

}  // namespace bench

#endif  // COYOTES_BENCH_TASK_ITEMS_H_
