// GET /stats/history: the succeeded and failed totals the master sampled
// every 2 s over the last 15 minutes (http/stats_history.h), for the
// dashboard's chart. Held in the master's memory, so it answers without
// Redis; a daemon just started has few samples.
#include "http/api_handlers.h"
#include "http/http_server.h"
#include "http/stats_history.h"

namespace coyotes {

void GetStatsHistory(const ApiContext& api, const Request& r) {
  if (api.history == nullptr) {
    StatsHistory empty(0);
    SendJson(r.req, 200, "ok", empty.ToJson());
    return;
  }
  SendJson(r.req, 200, "ok", api.history->ToJson());
}

}  // namespace coyotes
