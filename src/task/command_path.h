// Where PATH holds a command, found as execvp would find it, and
// remembered.
//
// A task names its command without a slash (`touch x`); sh and execvp try
// execve in each PATH directory in turn, and every directory before the
// right one costs the new process a failed execve (30-60 us a task for
// three directories on the 2-CPU VM the bench runs on). A worker runs the
// same few commands again and again, so it remembers where each was found.
// Before using a remembered file it compares the modification time of each
// directory searched before it with the time seen then: a directory gains
// or loses an entry only by changing it, so equal times mean the search
// would fail there again, exactly as before (a directory changed in the
// last two seconds is not trusted: file times tick coarsely). A remembered
// file that was
// removed makes the spawn fail; the caller then forgets it and tries
// every PATH entry (task_spawn.h).
//
// Only absolute PATH entries are handled, and only names whose earlier
// candidates do not exist at all: anything else (a relative entry, a
// candidate that exists but cannot run) is left to the full search.
#ifndef COYOTES_TASK_COMMAND_PATH_H_
#define COYOTES_TASK_COMMAND_PATH_H_

#include <sys/types.h>

#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace coyotes {

// The files execvp would try for `name` under `path` (PATH's value, or
// null when unset): `name` itself when it holds a '/', else one per PATH
// entry, an empty entry meaning the working directory.
std::vector<std::string> PathCandidates(const char* path,
                                        const std::string& name);

class CommandPaths {
 public:
  // The file to exec for `name` (which holds no '/') under PATH `path`, or
  // nullopt: try every PATH entry.
  std::optional<std::string> Find(const std::string& path,
                                  const std::string& name);
  // After a spawn of Find's answer failed: search afresh next time.
  void Forget(const std::string& name) { found_.erase(name); }

 private:
  struct DirState {
    std::string dir;
    dev_t dev;
    ino_t ino;
    timespec mtime;
  };
  struct Found {
    std::string file;
    std::vector<DirState> before;  // the directories where it was not
  };
  std::optional<std::string> Search(const std::string& name);

  std::string path_;  // PATH the entries were found with
  std::vector<std::string> dirs_;
  bool usable_ = false;  // every entry absolute
  std::map<std::string, Found> found_;
};

}  // namespace coyotes

#endif  // COYOTES_TASK_COMMAND_PATH_H_
