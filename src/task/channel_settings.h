// A channel's settings: stored as one JSON object per channel in
// Pcoyotes:channels, given by POST /channels, read by every daemon that
// serves the channel.
//
// Besides the worker count, distinct and retry, they carry what isolates the
// channel's tasks (coyotes(8), SECURITY): the user its workers run as,
// resource limits, namespaces and the command policy. Reading them fails
// closed: an isolation setting this daemon cannot read (a hand edit, a newer
// version) is kept as `unreadable`, and the channel's tasks then fail with
// it instead of running with less than was asked.
#ifndef COYOTES_TASK_CHANNEL_SETTINGS_H_
#define COYOTES_TASK_CHANNEL_SETTINGS_H_

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "task/isolation.h"
#include "task/limits.h"
#include "task/policy.h"
#include "task/task.h"

namespace coyotes {

struct ChannelSettings {
  int workers = 5;
  bool has_workers = false;  // absent: each daemon's --concurrent
  bool distinct = false;
  int retry = -1;  // -1: --retry-default
  // POST /channels/{name}/pause: workers take no task (store/lua/
  // channel_pause.lua writes it; nothing else does).
  bool paused = false;

  std::string user;   // "": the daemon's user
  std::string group;  // "": the user's primary group
  ResourceLimits limits;
  unsigned isolate = 0;  // kIsolate* bits, nonewprivs included when any
  CommandPolicy policy;
  std::string unreadable;  // why a stored isolation setting was not read

  // Whether any isolation is asked for (the tasks' path then checks it).
  bool isolated() const {
    return !user.empty() || !limits.empty() || isolate != 0 ||
           !policy.unrestricted() || !unreadable.empty();
  }
};

// Parses what Pcoyotes:channels holds; missing fields take defaults
// (`default_workers` for the workers). Never fails: see `unreadable`.
ChannelSettings ParseChannelSettings(const std::string& json,
                                     int default_workers);

// The JSON to store (only what was set, so that defaults stay each
// daemon's).
std::string ChannelSettingsJson(const ChannelSettings& s);

// The settings a client asks for, before they are checked against the host.
struct ChannelRequest {
  std::optional<std::string> user, group;
  std::optional<std::string> limits_json;  // a JSON object's text
  std::vector<std::string> isolate;        // names
  std::optional<bool> shell;
  std::optional<std::vector<std::string>> allow;      // as given
  std::optional<std::vector<std::string>> env_allow;  // as given
};

// Validates `req` into `*s` (its isolation part): names in isolate, the
// limits, allow entries resolved through `path` (PATH at creation) and
// realpath, env_allow names, and the combinations (allow with shell=true
// is refused: a shell runs anything). The defaults follow from what was
// given: allow makes shell false and env_allow empty; allow or isolate make
// the loader's variables refused; any isolate entry adds nonewprivs.
// InvalidArgument naming the field. Host checks (the user exists and may
// be used, the namespaces work) are the caller's.
Status ApplyChannelRequest(const ChannelRequest& req, const char* path,
                           ChannelSettings* s);

// Why a task must not be queued in a channel with `s`: its limits above the
// channel's ("limits above the channel's: memory"; HTTP 400), or the
// command policy (policy.h; HTTP 403). `path` is PATH as tasks will see it.
struct RouteRefusal {
  std::string reason;
  bool policy = false;
};
std::optional<RouteRefusal> CheckRoute(const TaskSpec& spec,
                                       const ChannelSettings& s,
                                       const char* path);

}  // namespace coyotes

#endif  // COYOTES_TASK_CHANNEL_SETTINGS_H_
