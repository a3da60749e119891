// ScriptDir: the file a script task runs, in a directory of its own that
// only the task's user may enter (mode 0700, made by the worker, which runs
// as that user), removed when the task ends, whatever the end (RAII).
//
// The directories live under /dev/shm (or /tmp where there is none):
// /dev/shm, unlike /tmp and /var/tmp, is not replaced by a task's private
// tmp (isolation "tmp"), so the task sees its script. Each is named
// coyotes-script-<worker pid>-XXXXXX, so that a worker that starts can tell
// the directories of workers that died (RemoveStaleScriptDirs).
#ifndef COYOTES_TASK_SCRIPT_DIR_H_
#define COYOTES_TASK_SCRIPT_DIR_H_

#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"

namespace coyotes {

class ScriptDir {
 public:
  // Writes `text` to DIR/script (mode 0700) in a new directory.
  static Result<ScriptDir> Create(std::string_view text);
  ScriptDir(ScriptDir&& o) noexcept : dir_(std::move(o.dir_)) {
    o.dir_.clear();
  }
  ScriptDir& operator=(ScriptDir&&) = delete;
  ~ScriptDir();

  const std::string& dir() const { return dir_; }
  std::string path() const { return dir_ + "/script"; }

 private:
  explicit ScriptDir(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

// The folder the script directories are made in.
std::string ScriptBase();

// Removes the script directories of processes that no longer exist (a
// worker killed with its task running), those this process may remove;
// returns how many.
int RemoveStaleScriptDirs();

}  // namespace coyotes

#endif  // COYOTES_TASK_SCRIPT_DIR_H_
