// GET /metrics (http/metrics.h): the daemon's own families, the HTTP
// answers, then what Redis holds, from one call of metrics.lua.
#include "http/api_handlers.h"
#include "http/http_server.h"
#include "http/metrics.h"
#include "store/scripts.h"

namespace coyotes {

void GetMetrics(const ApiContext& api, const Request& rq) {
  evhttp_request* req = rq.req;
  auto text = std::make_shared<MetricsText>();
  api.view->WriteMetrics(text.get());
  text->Family("coyotes_http_requests_total", "counter",
               "HTTP API answers of this daemon since it started, by status "
               "(this one not yet counted).");
  for (const auto& [code, n] : HttpAnswerCounts())
    text->Sample({{"code", std::to_string(code)}}, static_cast<double>(n));
  text->Family("coyotes_redis_up", "gauge",
               "1 when this daemon's API connection to Redis is up.");
  text->Sample({}, api.redis->connected() ? 1 : 0);
  auto send = [req, text] {
    SendText(req, 200, "text/plain; version=0.0.4; charset=utf-8",
             text->text());
  };
  if (!api.redis->connected()) return send();
  api.redis->Eval(
      kMetricsScript,
      {api.keys.Channels(), api.keys.Delayed(), api.keys.DeadLetters(),
       api.keys.Schedules()},
      {api.keys.prefix()}, [text, send](Result<const redisReply*> r) {
        const redisReply* rep = r.ok() ? r.value() : nullptr;
        // Without an answer the Redis families are left out, not made up:
        // coyotes_redis_up says why.
        if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements != 4 ||
            rep->element[3]->type != REDIS_REPLY_ARRAY)
          return send();
        const redisReply* per = rep->element[3];
        struct Family {
          const char* name;
          const char* help;
          size_t offset;
        };
        const Family families[] = {
            {"coyotes_queue_length", "Tasks queued in a channel (Redis).", 1},
            {"coyotes_running_tasks",
             "Tasks running in a channel, on every daemon (Redis).", 2},
            {"coyotes_failed_tasks", "Failed tasks kept for a channel (Redis).",
             3},
            {"coyotes_paused", "1 while a channel is paused (Redis).", 4},
        };
        for (const Family& f : families) {
          text->Family(f.name, "gauge", f.help);
          for (size_t i = 0; i + 4 < per->elements; i += 5)
            text->Sample(
                {{"channel", ReplyText(per->element[i])}},
                static_cast<double>(per->element[i + f.offset]->integer));
        }
        text->Family(
            "coyotes_delayed_tasks", "gauge",
            "Delayed tasks and retries waiting for their time (Redis).");
        text->Sample({}, static_cast<double>(rep->element[0]->integer));
        text->Family("coyotes_dead_letters", "gauge",
                     "Rejected producer items kept (Redis).");
        text->Sample({}, static_cast<double>(rep->element[1]->integer));
        text->Family("coyotes_schedules", "gauge",
                     "Schedules defined (Redis).");
        text->Sample({}, static_cast<double>(rep->element[2]->integer));
        send();
      });
}

}  // namespace coyotes
