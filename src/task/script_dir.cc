#include "task/script_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "base/unique_fd.h"

namespace coyotes {

namespace {

constexpr char kPrefix[] = "coyotes-script-";

Status Errno(const std::string& what) {
  return Status(StatusCode::kInternal, what + ": " + std::strerror(errno));
}

}  // namespace

std::string ScriptBase() {
  struct stat st;
  if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode)) return "/dev/shm";
  return "/tmp";
}

Result<ScriptDir> ScriptDir::Create(std::string_view text) {
  std::string tmpl =
      ScriptBase() + "/" + kPrefix + std::to_string(getpid()) + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr)  // mode 0700
    return Errno("script directory in " + ScriptBase());
  ScriptDir dir{std::string(buf.data())};
  UniqueFd fd(open(dir.path().c_str(),
                   O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0700));
  if (!fd.valid()) return Errno("script file " + dir.path());
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("writing the script");
    done += static_cast<size_t>(n);
  }
  // Mode 0700 whatever the umask: the task's user runs it.
  if (fchmod(fd.get(), 0700) != 0) return Errno("chmod of the script");
  return dir;
}

ScriptDir::~ScriptDir() {
  if (dir_.empty()) return;
  std::error_code ec;
  // remove_all never follows a symbolic link the task may have left.
  std::filesystem::remove_all(dir_, ec);
}

int RemoveStaleScriptDirs() {
  const std::string base = ScriptBase();
  DIR* d = opendir(base.c_str());
  if (d == nullptr) return 0;
  std::vector<std::string> stale;
  while (dirent* e = readdir(d)) {
    std::string_view name = e->d_name;
    if (name.substr(0, sizeof(kPrefix) - 1) != kPrefix) continue;
    long pid = std::atol(std::string(name.substr(sizeof(kPrefix) - 1)).c_str());
    if (pid <= 0) continue;
    if (kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    stale.push_back(base + "/" + std::string(name));
  }
  closedir(d);
  int removed = 0;
  for (const auto& path : stale) {
    // Only our own (or, as root, any): lstat first, never a link.
    struct stat st;
    if (lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (geteuid() != 0 && st.st_uid != geteuid()) continue;
    std::error_code ec;
    if (std::filesystem::remove_all(path, ec) > 0 && !ec) removed++;
  }
  return removed;
}

}  // namespace coyotes
