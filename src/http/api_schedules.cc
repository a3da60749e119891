// Schedules over HTTP: create or replace, list, show, delete. Definitions
// are checked here (task/schedule.h) and stored with schedule_put.lua; the
// masters fire them (daemon/scheduler.cc).
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "base/http_url.h"
#include "base/json_util.h"
#include "base/wall_clock.h"
#include "http/api_handlers.h"
#include "http/http_server.h"
#include "http/task_form.h"
#include "store/scripts.h"
#include "task/channel_settings.h"
#include "task/schedule.h"

namespace coyotes {
namespace {

// One schedule as the API shows it: its definition (the task's fields at
// the top, "channel" for the channel), the next 5 due times, the last one
// fired, and the counts. `view` is one entry of schedule_view.lua.
json_t* ScheduleView(const std::string& name, const redisReply* view) {
  std::string text = ReplyText(view->element[0]);
  auto s = ParseStoredSchedule(name, text);
  json_t* o = json_object();
  json_object_set_new(o, "name", json_string(name.c_str()));
  if (!s.ok()) {
    json_object_set_new(o, "error", JsonStringLossy(s.status().message()));
  } else {
    const char* key;
    json_t* value;
    json_object_foreach(s->item.get(), key, value) {
      json_object_set(o, std::string_view(key) == "chan" ? "channel" : key,
                      value);
    }
    json_object_set_new(o, "cron", json_string(s->cron.c_str()));
    json_object_set_new(o, "timezone", json_string(s->timezone.c_str()));
    json_object_set_new(o, "overlap",
                        json_string(s->overlap_skip ? "skip" : "allow"));
    json_object_set_new(o, "missed",
                        json_string(s->missed_skip ? "skip" : "once"));
    json_object_set_new(o, "enabled", json_boolean(s->enabled));
    json_object_set_new(o, "created_at", json_integer(s->created_ms));
    json_object_set_new(o, "source", json_string(s->source.c_str()));
    json_t* next = json_array();
    int64_t at = WallMs();
    for (int i = 0; s->enabled && i < 5; i++) {
      auto n = NextDue(s.value(), at);
      if (!n) break;
      json_array_append_new(next, json_integer(*n));
      at = *n;
    }
    json_object_set_new(o, "next", next);
  }
  json_t* last = json_null();
  if (view->element[3]->type == REDIS_REPLY_STRING) {
    last = json_object();
    json_object_set_new(
        last, "due_at",
        json_integer(std::atoll(ReplyText(view->element[3]).c_str())));
    json_object_set_new(last, "task_id",
                        JsonStringLossy(ReplyText(view->element[4])));
    json_object_set_new(last, "state",
                        view->element[5]->type == REDIS_REPLY_STRING
                            ? json_string(ReplyText(view->element[5]).c_str())
                            : json_null());
  }
  json_object_set_new(o, "last", last);
  json_object_set_new(o, "fired", json_integer(view->element[1]->integer));
  json_object_set_new(o, "skipped", json_integer(view->element[2]->integer));
  return o;
}

bool ViewOk(const redisReply* r, size_t n) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements != n) return false;
  for (size_t i = 0; i < n; i++)
    if (r->element[i]->type != REDIS_REPLY_ARRAY ||
        r->element[i]->elements != 6)
      return false;
  return true;
}

// Answers with one schedule, 404 when there is none.
void SendSchedule(const ApiContext& api, evhttp_request* req,
                  const std::string& name) {
  api.redis->Eval(kScheduleViewScript, {api.keys.Schedules()},
                  {api.keys.prefix(), name},
                  [req, name](Result<const redisReply*> r) {
                    if (!r.ok()) return SendRedisError(req, r.status());
                    if (!ViewOk(r.value(), 1))
                      return SendJson(req, 500, "unexpected reply", nullptr);
                    const redisReply* v = r.value()->element[0];
                    if (v->element[0]->type != REDIS_REPLY_STRING)
                      return SendJson(req, 404, "no schedule " + name, nullptr);
                    SendJson(req, 200, "ok", ScheduleView(name, v));
                  });
}

}  // namespace

void ListSchedules(const ApiContext& api, const Request& rq) {
  evhttp_request* req = rq.req;
  auto page = ParsePage(rq.query);
  if (!page.ok()) return SendJson(req, 400, page.status().message(), nullptr);
  if (!RedisUp(api, req)) return;
  Page pg = page.value();
  api.redis->Command(
      {"HKEYS", api.keys.Schedules()},
      [&api, req, pg](Result<const redisReply*> r) {
        if (!r.ok()) return SendRedisError(req, r.status());
        std::vector<std::string> names;
        for (size_t i = 0; i < r.value()->elements; i++)
          names.push_back(ReplyText(r.value()->element[i]));
        std::sort(names.begin(), names.end());
        int64_t count = static_cast<int64_t>(names.size());
        std::vector<std::string> args = {api.keys.prefix()};
        for (int64_t i = pg.offset; i < count && i < pg.offset + pg.limit; i++)
          args.push_back(names[i]);
        auto send = [req, count, args](Result<const redisReply*> v) {
          json_t* list = json_array();
          if (args.size() > 1) {
            if (!v.ok()) {
              json_decref(list);
              return SendRedisError(req, v.status());
            }
            if (!ViewOk(v.value(), args.size() - 1)) {
              json_decref(list);
              return SendJson(req, 500, "unexpected reply", nullptr);
            }
            for (size_t i = 1; i < args.size(); i++) {
              const redisReply* one = v.value()->element[i - 1];
              if (one->element[0]->type == REDIS_REPLY_STRING)
                json_array_append_new(list, ScheduleView(args[i], one));
            }
          }
          json_t* d = json_object();
          json_object_set_new(d, "schedules", list);
          json_object_set_new(d, "count", json_integer(count));
          SendJson(req, 200, "ok", d);
        };
        if (args.size() == 1) return send(Internal("no page"));
        api.redis->Eval(kScheduleViewScript, {api.keys.Schedules()}, args,
                        send);
      });
}

void GetSchedule(const ApiContext& api, const Request& rq) {
  if (!RedisUp(api, rq.req)) return;
  SendSchedule(api, rq.req, rq.Param("schedule"));
}

void DeleteSchedule(const ApiContext& api, const Request& rq) {
  evhttp_request* req = rq.req;
  std::string name = rq.Param("schedule");
  if (!RedisUp(api, req)) return;
  api.redis->Eval(kSchedulePutScript,
                  {api.keys.Schedules(), api.keys.ScheduleDue(),
                   api.keys.ScheduleState(name)},
                  {name, "", ""}, [req, name](Result<const redisReply*> r) {
                    if (!r.ok()) return SendRedisError(req, r.status());
                    if (r.value()->integer != 1)
                      return SendJson(req, 404, "no schedule " + name, nullptr);
                    json_t* d = json_object();
                    json_object_set_new(d, "name", json_string(name.c_str()));
                    SendJson(req, 200, "ok", d);
                  });
}

void PutSchedule(const ApiContext& api, const Request& rq) {
  evhttp_request* req = rq.req;
  auto form = ReadForm(api, req);
  if (!form) return;
  for (const char* k : {"id", "delay", "run_at"})
    if (FormGet(*form, k))
      return SendJson(req, 400,
                      std::string("field '") + k +
                          "' is not allowed in a schedule (each due time "
                          "names its task sched:NAME:TIME)",
                      nullptr);
  const std::string* chan = FormGet(*form, "channel");
  std::string channel =
      chan && !chan->empty() ? *chan : api.config.channel_default;
  auto item = TaskObjectFromForm(*form, channel, api.config.max_task_bytes);
  if (!item.ok()) return SendJson(req, 400, item.status().message(), nullptr);
  json_t* o = item.value().get();
  for (const char* k : {"name", "cron", "timezone", "overlap", "missed"})
    if (const std::string* v = FormGet(*form, k))
      json_object_set_new(o, k, json_stringn(v->data(), v->size()));
  if (const std::string* e = FormGet(*form, "enabled"); e && !e->empty()) {
    if (*e == "true" || *e == "1")
      json_object_set_new(o, "enabled", json_true());
    else if (*e == "false" || *e == "0")
      json_object_set_new(o, "enabled", json_false());
    else
      return SendJson(req, 400, "field 'enabled' must be true or false",
                      nullptr);
  }
  ProducerLimits limits{api.config.channel_default, api.config.max_task_bytes};
  int64_t now = WallMs();
  auto s = ScheduleFromJson(o, limits, now);
  if (!s.ok()) return SendJson(req, 400, s.status().message(), nullptr);
  // The channel's limits and policy, as for POST /channels/NAME (400,
  // 403); each due time is checked again when it fires.
  auto spec = ScheduledTask(s.value(), now, limits);
  if (!spec.ok()) return SendJson(req, 400, spec.status().message(), nullptr);
  if (!spec->callback.empty()) {
    if (Status host =
            CheckCallbackHost(spec->callback, api.config.callback_hosts);
        !host.ok())
      return SendJson(req, 400, "field 'callback': " + host.message(), nullptr);
  }
  if (const ChannelSettings* cs = api.view->Channel(spec->channel)) {
    if (auto refusal = CheckRoute(spec.value(), *cs, getenv("PATH")))
      return SendJson(req, refusal->policy ? 403 : 400, refusal->reason,
                      nullptr);
  }
  if (!RedisUp(api, req)) return;
  auto next = s->enabled ? NextDue(s.value(), now) : std::nullopt;
  std::string name = s->name;
  api.redis->Eval(
      kSchedulePutScript,
      {api.keys.Schedules(), api.keys.ScheduleDue(),
       api.keys.ScheduleState(name)},
      {name, ScheduleJson(s.value()), next ? std::to_string(*next) : ""},
      [&api, req, name](Result<const redisReply*> r) {
        if (!r.ok()) return SendRedisError(req, r.status());
        api.view->OnScheduleStored();
        SendSchedule(api, req, name);
      });
}

}  // namespace coyotes
