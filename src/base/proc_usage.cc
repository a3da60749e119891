#include "base/proc_usage.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace coyotes {

std::optional<ProcUsage> ReadProcUsage(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid);
  FILE* f = fopen((dir + "/stat").c_str(), "re");
  if (!f) return std::nullopt;
  char buf[1024];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  // The command name may hold blanks and parentheses: fields count from
  // the last ')'.
  const char* p = strrchr(buf, ')');
  if (!p) return std::nullopt;
  // Field 3 (state) follows ") "; utime and stime are fields 14 and 15,
  // rss (pages) field 24.
  unsigned long long field[25] = {};
  int at = 3;
  for (const char* c = p + 2; *c && at <= 24;) {
    char* end = nullptr;
    unsigned long long v = strtoull(c, &end, 10);
    field[at] = end != c ? v : 0;
    const char* blank = strchr(c, ' ');
    if (!blank) break;
    c = blank + 1;
    at++;
  }
  ProcUsage u;
  static const long ticks = sysconf(_SC_CLK_TCK);
  static const long page = sysconf(_SC_PAGESIZE);
  u.cpu_s = static_cast<double>(field[14] + field[15]) / ticks;
  u.rss_bytes = field[24] * static_cast<unsigned long long>(page);
  if (DIR* d = opendir((dir + "/fd").c_str())) {
    int fds = 0;
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') fds++;
    closedir(d);
    // Reading our own folder, the descriptor opendir holds is counted.
    u.fds = pid == getpid() ? fds - 1 : fds;
  }
  return u;
}

}  // namespace coyotes
