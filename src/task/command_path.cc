#include "task/command_path.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

namespace coyotes {

namespace {

// PATH's entries, in order; an empty entry stays empty.
std::vector<std::string> PathEntries(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t end = path.find(':', start);
    out.emplace_back(path.substr(start, end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

// The file `name` in directory `dir` (not empty).
std::string InDir(const std::string& dir, const std::string& name) {
  return dir + (dir.back() == '/' ? "" : "/") + name;
}

bool StatDir(const std::string& dir, struct stat* st) {
  return stat(dir.c_str(), st) == 0 && S_ISDIR(st->st_mode);
}

bool Same(const timespec& a, const timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

}  // namespace

std::vector<std::string> PathCandidates(const char* path,
                                        const std::string& name) {
  if (name.find('/') != std::string::npos) return {name};
  // execvp's search path when PATH is unset (confstr(_CS_PATH)).
  std::vector<std::string> out;
  for (const auto& dir : PathEntries(path != nullptr ? path : "/bin:/usr/bin"))
    out.push_back(dir.empty() ? name : InDir(dir, name));
  return out;
}

std::optional<std::string> CommandPaths::Find(const std::string& path,
                                              const std::string& name) {
  if (path != path_) {
    path_ = path;
    found_.clear();
    usable_ = !path.empty();
    dirs_ = PathEntries(path);
    // An empty entry means ".": relative, like any entry without a
    // leading '/'.
    for (const auto& dir : dirs_)
      if (dir.empty() || dir[0] != '/') usable_ = false;
  }
  if (!usable_ || name.empty() || name.find('/') != std::string::npos)
    return std::nullopt;
  auto it = found_.find(name);
  if (it != found_.end()) {
    bool same = true;
    for (const auto& d : it->second.before) {
      struct stat st;
      if (!StatDir(d.dir, &st) || st.st_dev != d.dev || st.st_ino != d.ino ||
          !Same(st.st_mtim, d.mtime)) {
        same = false;
        break;
      }
    }
    if (same) return it->second.file;
    found_.erase(it);
  }
  return Search(name);
}

std::optional<std::string> CommandPaths::Search(const std::string& name) {
  // File times come from a clock that ticks every few milliseconds: two
  // changes within one tick leave the same time. A directory changed in
  // the last second or two may change again unseen, so an answer that
  // depends on one is used once, not remembered.
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  bool keep = true;
  Found f;
  for (const auto& dir : dirs_) {
    // The directory's time first: an entry created after this read
    // changes it, and the next Find sees that.
    struct stat dst;
    bool is_dir = StatDir(dir, &dst);
    std::string file = InDir(dir, name);
    struct stat st;
    // lstat: only "no entry at all" is remembered; a dangling symlink
    // may come to life without its directory changing.
    if (lstat(file.c_str(), &st) != 0) {
      if (errno != ENOENT && errno != ENOTDIR) return std::nullopt;
      // A missing directory cannot be watched by its time: leave this
      // name to the full search rather than miss the directory appearing.
      if (!is_dir) return std::nullopt;
      if (dst.st_mtim.tv_sec >= now.tv_sec - 1) keep = false;
      f.before.push_back({dir, dst.st_dev, dst.st_ino, dst.st_mtim});
      continue;
    }
    // execvp would try it; only an executable file is taken here.
    if (stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
        access(file.c_str(), X_OK) != 0)
      return std::nullopt;
    f.file = file;
    std::string answer = f.file;
    if (keep) found_[name] = std::move(f);
    return answer;
  }
  return std::nullopt;  // nowhere: the full search reports it
}

}  // namespace coyotes
