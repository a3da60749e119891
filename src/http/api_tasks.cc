// A task by its id: queued by POST to its channel (store/submit.h does the
// atomic part), read from its record, cancelled (queued: at once; running:
// the worker that runs it is told). Also the answers the delayed and failed
// sets reuse, so a task reads and cancels the same through every path.
#include <cstdlib>
#include <memory>

#include "base/http_url.h"
#include "base/json_util.h"
#include "http/api_handlers.h"
#include "http/http_server.h"
#include "http/task_form.h"
#include "http/task_record.h"
#include "http/task_wait.h"
#include "store/scripts.h"
#include "store/submit.h"
#include "task/task_codec.h"

namespace coyotes {

namespace {

// ?wait=SECONDS: nullopt when absent; false after answering 400.
std::optional<double> WaitParam(const Request& r, bool* bad) {
  *bad = false;
  const std::string* text = FormGet(r.query, "wait");
  if (text == nullptr) return std::nullopt;
  auto s = ParseWait(*text);
  if (!s.ok()) {
    SendJson(r.req, 400, s.status().message(), nullptr);
    *bad = true;
    return std::nullopt;
  }
  return s.value();
}

}  // namespace

void PostTask(const ApiContext& api, const Request& r) {
  evhttp_request* req = r.req;
  const std::string& channel = r.Param("channel");
  bool bad_wait = false;
  std::optional<double> wait = WaitParam(r, &bad_wait);
  if (bad_wait) return;
  auto form = ReadForm(api, req);
  if (!form) return;
  auto spec = TaskFromForm(*form, channel, api.config.max_task_bytes);
  if (!spec.ok()) {
    SendJson(req, 400, spec.status().message(), nullptr);
    return;
  }
  if (!spec->callback.empty()) {
    if (Status host =
            CheckCallbackHost(spec->callback, api.config.callback_hosts);
        !host.ok()) {
      SendJson(req, 400, "field 'callback': " + host.message(), nullptr);
      return;
    }
  }
  // The channel's limits (400) and command policy (403): nothing refused
  // is queued. The worker checks again before the spawn.
  if (const ChannelSettings* s = api.view->Channel(channel)) {
    if (auto refusal = CheckRoute(spec.value(), *s, getenv("PATH"))) {
      SendJson(req, refusal->policy ? 403 : 400, refusal->reason, nullptr);
      return;
    }
  }
  if (spec->id.empty()) spec->id = NewTaskId();
  if (!api.redis->connected()) {
    SendJson(req, 503, "Redis is unavailable; the task was not queued",
             nullptr);
    return;
  }
  std::string id = spec->id, name = spec->name;
  double delay_s = DueInSeconds(spec.value());
  SubmitTask(
      api.redis, api.keys, api.config, spec.value(), "", "",
      [&api, req, id, name, channel, delay_s, wait](SubmitOutcome out) {
        auto data = [&](bool result) {
          json_t* d = json_object();
          json_object_set_new(d, "task_id", json_string(id.c_str()));
          json_object_set_new(d, "task_name", JsonStringLossy(name));
          json_object_set_new(d, "result", json_boolean(result));
          return d;
        };
        if (out.channel_created) api.view->OnChannelCreated(channel, "");
        switch (out.result) {
          case SubmitResult::kQueued:
            if (delay_s > 0) api.view->OnDelayed(delay_s);
            if (!wait) {
              SendJson(req, 200, "ok", data(true));
              return;
            }
            // ?wait=: answered as GET /tasks/ID?wait= would be, with the
            // submission's fields too.
            api.waits->Wait(
                req, id, *wait,
                [req, id, name](Result<TaskWaits::Fields> record) {
                  if (!record.ok()) {
                    SendRedisError(req, record.status());
                    return;
                  }
                  json_t* d =
                      record->empty() ? json_object() : TaskRecordJson(*record);
                  json_object_set_new(d, "task_id", json_string(id.c_str()));
                  json_object_set_new(d, "task_name", JsonStringLossy(name));
                  json_object_set_new(d, "result", json_true());
                  SendJson(req, 200, "ok", d);
                });
            return;
          case SubmitResult::kDistinct:
            SendJson(req, 200,
                     "not queued: the same command is already queued "
                     "or running in distinct channel " +
                         channel,
                     data(false));
            return;
          case SubmitResult::kDuplicate:
            SendJson(req, 409, "task " + id + " is already queued or running",
                     data(false));
            return;
          case SubmitResult::kChannelsFull:
            SendJson(req, 400,
                     "channel '" + channel +
                         "' cannot be created: --max-channels (" +
                         std::to_string(api.config.max_channels) + ") reached",
                     nullptr);
            return;
          case SubmitResult::kError:
            SendRedisError(req, out.status);
            return;
        }
      });
}

void GetTask(const ApiContext& api, const Request& r) {
  bool bad_wait = false;
  std::optional<double> wait = WaitParam(r, &bad_wait);
  if (bad_wait) return;
  if (!wait) {
    SendTaskRecord(api, r.req, r.Param("task_id"), "");
    return;
  }
  evhttp_request* req = r.req;
  if (!RedisUp(api, req)) return;
  std::string id = r.Param("task_id");
  api.waits->Wait(req, id, *wait, [req, id](Result<TaskWaits::Fields> record) {
    if (!record.ok()) {
      SendRedisError(req, record.status());
    } else if (record->empty()) {
      SendJson(req, 404, "no task " + id, nullptr);
    } else {
      SendJson(req, 200, "ok", TaskRecordJson(*record));
    }
  });
}

void CancelTask(const ApiContext& api, const Request& r) {
  SendCancel(api, r.req, r.Param("task_id"));
}

void SendTaskRecord(const ApiContext& api, evhttp_request* req,
                    const std::string& id, const std::string& only_state) {
  if (!RedisUp(api, req)) return;
  api.redis->Command(
      {"HGETALL", api.keys.Task(id)},
      [req, id, only_state](Result<const redisReply*> r) {
        if (!r.ok()) {
          SendRedisError(req, r.status());
          return;
        }
        auto fields = Pairs(r.value());
        bool wrong_state =
            !only_state.empty() && EffectiveState(fields) != only_state;
        if (fields.empty() || wrong_state) {
          SendJson(req, 404,
                   "no " +
                       (only_state.empty() ? std::string() : only_state + " ") +
                       "task " + id,
                   nullptr);
          return;
        }
        SendJson(req, 200, "ok", TaskRecordJson(fields));
      });
}

void SendCancel(const ApiContext& api, evhttp_request* req,
                const std::string& id) {
  if (!RedisUp(api, req)) return;
  api.redis->Eval(
      kCancelScript, {api.keys.Task(id), api.keys.Stats()},
      {api.keys.prefix(), std::to_string(api.config.result_ttl_s)},
      [&api, req, id](Result<const redisReply*> r) {
        if (!r.ok()) {
          SendRedisError(req, r.status());
          return;
        }
        std::string outcome = ReplyText(r.value()->element[0]);
        std::string extra = ReplyText(r.value()->element[1]);
        json_t* d = json_object();
        json_object_set_new(d, "task_id", json_string(id.c_str()));
        if (outcome == "missing") {
          json_decref(d);
          SendJson(req, 404, "no task " + id, nullptr);
        } else if (outcome == "cancelled") {
          json_object_set_new(d, "state", json_string("cancelled"));
          SendJson(req, 200, "ok; the queued task was cancelled", d);
        } else if (outcome == "cancelling") {
          api.view->CancelRunning(extra, id);
          json_object_set_new(d, "state", json_string("running"));
          SendJson(req, 202,
                   "cancelling: the running task gets SIGTERM, then SIGKILL "
                   "after --kill-grace",
                   d);
        } else {
          json_object_set_new(d, "state", json_string(extra.c_str()));
          SendJson(req, 409,
                   "task " + id + " has already finished (" + extra + ")", d);
        }
      });
}

void SendTaskSetPage(const ApiContext& api, const Request& r,
                     const std::string& key, const std::string& kind) {
  evhttp_request* req = r.req;
  auto page = ParsePage(r.query);
  if (!page.ok()) {
    SendJson(req, 400, page.status().message(), nullptr);
    return;
  }
  if (!RedisUp(api, req)) return;
  api.redis->Eval(
      kTaskSetPageScript, {key},
      {api.keys.prefix(), std::to_string(page->offset),
       std::to_string(page->limit), kind,
       std::to_string(api.config.failed_ttl_s * 1000)},
      [req](Result<const redisReply*> r) {
        if (!r.ok()) {
          SendRedisError(req, r.status());
          return;
        }
        const redisReply* rep = r.value();
        json_t* tasks = json_array();
        for (size_t i = 2; i < rep->elements; i++)
          json_array_append_new(tasks, TaskRecordJson(Pairs(rep->element[i])));
        json_t* d = json_object();
        json_object_set_new(d, "tasks", tasks);
        json_object_set_new(d, "count", json_integer(rep->element[0]->integer));
        SendJson(req, 200, "ok", d);
      });
}

}  // namespace coyotes
