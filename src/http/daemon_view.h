// DaemonView: what the HTTP API needs to know of the master, without
// depending on it (src/http never includes src/daemon). The master
// implements it; handlers call it after Redis has answered.
#ifndef COYOTES_HTTP_DAEMON_VIEW_H_
#define COYOTES_HTTP_DAEMON_VIEW_H_

#include <jansson.h>

#include <string>

#include "base/status.h"
#include "task/channel_settings.h"

namespace coyotes {

class MetricsText;

class DaemonView {
 public:
  virtual ~DaemonView() = default;
  // {"version","pid","uptime_s","state","workers":[...]} without Redis data.
  virtual json_t* StatusJson() const = 0;
  // A channel appeared (routing or POST /channels): start its workers.
  // `settings` is its JSON in coyotes:channels ("": the defaults).
  virtual void OnChannelCreated(const std::string& channel,
                                const std::string& settings) = 0;
  // A channel was deleted: its workers drain and are not replaced.
  virtual void OnChannelDeleted(const std::string& channel) = 0;
  // A running task was cancelled; if one of our workers runs it (its lease
  // owner is `owner`, or its board shows the task: a start not recorded
  // yet leaves `owner` empty or stale), tell that worker now.
  virtual void CancelRunning(const std::string& owner,
                             const std::string& task_id) = 0;
  // A delayed task was queued; it falls due in `seconds`.
  virtual void OnDelayed(double seconds) = 0;
  // Whether a channel's workers may run as `user` (and `group`, "" for the
  // user's own): the user exists, and the daemon may become it (root
  // without --user may become anyone; otherwise only itself).
  virtual Status CanRunAs(const std::string& user,
                          const std::string& group) const = 0;
  // GET /metrics: this daemon's own families (its work since it started,
  // its workers and processes).
  virtual void WriteMetrics(MetricsText* out) const = 0;
  // A schedule was created or replaced: fire its first due time promptly.
  virtual void OnScheduleStored() = 0;
  // The settings of `channel` as this daemon knows them, or null.
  virtual const ChannelSettings* Channel(const std::string& channel) const = 0;
};

}  // namespace coyotes

#endif  // COYOTES_HTTP_DAEMON_VIEW_H_
