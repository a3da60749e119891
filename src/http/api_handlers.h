// The HTTP API's handlers, one file per resource; routes.cc maps each
// endpoint to one of them. A handler answers with SendJson (http_server.h)
// at once or from a Redis callback, exactly once.
#ifndef COYOTES_HTTP_API_HANDLERS_H_
#define COYOTES_HTTP_API_HANDLERS_H_

#include <string>

#include "http/api_common.h"

namespace coyotes {

// api_status.cc: GET /, the daemon's state, answered even with Redis down.
void GetStatus(const ApiContext& api, const Request& r);
// GET /healthz: 200 when Redis answers a PING, else 503; data
// {"redis": true|false}. Needs no token.
void GetHealthz(const ApiContext& api, const Request& r);

// api_channels.cc: the channels and what they hold.
void ListChannels(const ApiContext& api, const Request& r);
void GetChannel(const ApiContext& api, const Request& r);
void CreateChannel(const ApiContext& api, const Request& r);
void DeleteChannel(const ApiContext& api, const Request& r);
// POST /channels/NAME/pause and /resume.
void PauseChannel(const ApiContext& api, const Request& r);
void ResumeChannel(const ApiContext& api, const Request& r);

// api_tasks.cc: a task queued, read and cancelled by its id.
void PostTask(const ApiContext& api, const Request& r);
void GetTask(const ApiContext& api, const Request& r);
void CancelTask(const ApiContext& api, const Request& r);
// api_output.cc: GET /tasks/ID/output, also followed (?follow=1).
void GetTaskOutput(const ApiContext& api, const Request& r);
// The same answers, shared with the delayed and failed sets.
// only_state: answer 404 unless the task is in that state ("": any).
void SendTaskRecord(const ApiContext& api, evhttp_request* req,
                    const std::string& id, const std::string& only_state);
void SendCancel(const ApiContext& api, evhttp_request* req,
                const std::string& id);
// One ?limit=/?offset= page of the task records in the sorted set `key`
// (`kind`: "delayed" or "failed", as the task_set_page script takes it).
void SendTaskSetPage(const ApiContext& api, const Request& r,
                     const std::string& key, const std::string& kind);

// api_delayed.cc: the tasks waiting for their time.
void ListDelayed(const ApiContext& api, const Request& r);
void GetDelayed(const ApiContext& api, const Request& r);
void CancelDelayed(const ApiContext& api, const Request& r);

// api_failed.cc: a channel's failed set, run again or forgotten.
void ListFailed(const ApiContext& api, const Request& r);
void GetFailed(const ApiContext& api, const Request& r);
void RerunFailed(const ApiContext& api, const Request& r);
void ForgetFailed(const ApiContext& api, const Request& r);
void RetryAllFailed(const ApiContext& api, const Request& r);

// api_dead_letters.cc: producer items that could not be routed.
void ListDeadLetters(const ApiContext& api, const Request& r);
void ClearDeadLetters(const ApiContext& api, const Request& r);

// GET /metrics (api_metrics.cc).
void GetMetrics(const ApiContext& api, const Request& r);

// Schedules (api_schedules.cc).
void ListSchedules(const ApiContext& api, const Request& r);
void PutSchedule(const ApiContext& api, const Request& r);
void GetSchedule(const ApiContext& api, const Request& r);
void DeleteSchedule(const ApiContext& api, const Request& r);

// GET /channels/NAME/running (api_running.cc): the tasks running in a
// channel, on every daemon, with their start times.
void ListRunning(const ApiContext& api, const Request& r);

// GET /stats/history (api_stats_history.cc): the master's samples of the
// succeeded and failed totals, for the dashboard's chart.
void GetStatsHistory(const ApiContext& api, const Request& r);

// The dashboard (api_ui.cc): GET /ui redirects to /ui/, which is
// index.html; GetUiAsset serves the file the last path segment names.
void GetUi(const ApiContext& api, const Request& r);
void GetUiAsset(const ApiContext& api, const Request& r);

}  // namespace coyotes

#endif  // COYOTES_HTTP_API_HANDLERS_H_
