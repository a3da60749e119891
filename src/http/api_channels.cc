// The channels: their list with the tasks each runs and queues, creation
// with its settings (coyotes:channels), and deletion, which drains their
// workers. Starting and stopping workers is the master's (DaemonView), once
// Redis holds the change.
#include <event2/event.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/channel_name.h"
#include "base/json_util.h"
#include "base/log.h"
#include "http/api_handlers.h"
#include "http/http_server.h"
#include "store/scripts.h"
#include "task/channel_settings.h"
#include "task/isolation.h"
#include "task/task_codec.h"

namespace coyotes {

namespace {

// GET /channels and GET /channels/NAME (`only`): one page of every
// channel's running and queued tasks.
void SendChannels(const ApiContext& api, const Request& rq,
                  const std::string& only) {
  evhttp_request* req = rq.req;
  auto page = ParsePage(rq.query);
  if (!page.ok()) {
    SendJson(req, 400, page.status().message(), nullptr);
    return;
  }
  if (!RedisUp(api, req)) return;
  Page pg = page.value();
  api.redis->Command(
      {"HGETALL", api.keys.Channels()},
      [&api, req, only, pg](Result<const redisReply*> r) {
        if (!r.ok()) {
          SendRedisError(req, r.status());
          return;
        }
        auto channels = Pairs(r.value());
        if (!only.empty()) {
          std::erase_if(channels,
                        [&](const auto& c) { return c.first != only; });
          if (channels.empty()) {
            SendJson(req, 404, "no channel " + only, nullptr);
            return;
          }
        }
        // One page script per channel, answered together.
        struct Pending {
          json_t* data = json_object();
          size_t left = 0;
          bool failed = false;
          Status error;
        };
        auto pending = std::make_shared<Pending>();
        pending->left = channels.size();
        if (channels.empty()) {
          SendJson(req, 200, "ok", pending->data);
          return;
        }
        for (const auto& [name, settings_json] : channels) {
          json_error_t err;
          JsonPtr settings(json_loads(settings_json.c_str(), 0, &err));
          json_t* w =
              settings ? json_object_get(settings.get(), "workers") : nullptr;
          int64_t workers = json_is_integer(w) ? json_integer_value(w)
                                               : api.config.concurrent;
          bool distinct = settings && json_is_true(json_object_get(
                                          settings.get(), "distinct"));
          bool paused = settings &&
                        json_is_true(json_object_get(settings.get(), "paused"));
          std::string chan = name;
          api.redis->Eval(
              kChannelPageScript,
              {api.keys.Running(chan), api.keys.Queue(chan)},
              {api.keys.prefix(), std::to_string(pg.offset),
               std::to_string(pg.limit)},
              [req, pending, chan, workers, distinct, paused,
               only](Result<const redisReply*> r) {
                if (!r.ok()) {
                  pending->failed = true;
                  pending->error = r.status();
                } else {
                  const redisReply* rep = r.value();
                  json_t* tasks = json_array();
                  long long nrun = rep->element[0]->integer;
                  long long nq = rep->element[1]->integer;
                  long long on_page = rep->element[2]->integer;
                  size_t i = 3;
                  for (long long k = 0; k < on_page; k++, i += 2) {
                    json_t* t = json_object();
                    json_object_set_new(
                        t, "task_id",
                        JsonStringLossy(ReplyText(rep->element[i])));
                    json_object_set_new(
                        t, "task_name",
                        JsonStringLossy(ReplyText(rep->element[i + 1])));
                    json_object_set_new(t, "channel",
                                        json_string(chan.c_str()));
                    json_object_set_new(t, "status", json_string("running"));
                    json_array_append_new(tasks, t);
                  }
                  for (; i < rep->elements; i++) {
                    auto spec = DecodeQueueItem(ReplyText(rep->element[i]));
                    if (!spec.ok()) continue;
                    json_t* t = json_object();
                    json_object_set_new(t, "task_id",
                                        JsonStringLossy(spec->id));
                    json_object_set_new(t, "task_name",
                                        JsonStringLossy(spec->name));
                    json_object_set_new(t, "channel",
                                        json_string(chan.c_str()));
                    json_object_set_new(t, "status", json_string("queued"));
                    json_array_append_new(tasks, t);
                  }
                  json_t* c = json_object();
                  json_object_set_new(c, "tasks", tasks);
                  json_object_set_new(c, "count", json_integer(nrun + nq));
                  json_object_set_new(c, "workers", json_integer(workers));
                  json_object_set_new(c, "distinct", json_boolean(distinct));
                  json_object_set_new(c, "paused", json_boolean(paused));
                  json_object_set_new(pending->data, chan.c_str(), c);
                }
                if (--pending->left > 0) return;
                if (pending->failed) {
                  json_decref(pending->data);
                  SendRedisError(req, pending->error);
                  return;
                }
                if (!only.empty()) {
                  json_t* one =
                      json_incref(json_object_get(pending->data, only.c_str()));
                  json_decref(pending->data);
                  SendJson(req, 200, "ok", one);
                  return;
                }
                SendJson(req, 200, "ok", pending->data);
              });
        }
      });
}

}  // namespace

void ListChannels(const ApiContext& api, const Request& r) {
  SendChannels(api, r, "");
}

void GetChannel(const ApiContext& api, const Request& r) {
  SendChannels(api, r, r.Param("channel"));
}

namespace {

// The isolation fields of POST /channels (coyotes(8), SECURITY) into `cs`;
// an error names the field or what the host cannot provide. A list is
// given as repeated fields (a JSON array in a JSON body); `isolate` also
// takes commas. `env_allow=` (one empty value) is the empty list.
Status ChannelIsolationFromForm(const ApiContext& api, const Form& form,
                                ChannelSettings* cs) {
  ChannelRequest rq;
  if (const std::string* u = FormGet(form, "user")) rq.user = *u;
  if (const std::string* g = FormGet(form, "group")) rq.group = *g;
  if (const std::string* l = FormGet(form, "limits")) rq.limits_json = *l;
  for (const std::string& v : FormGetAll(form, "isolate")) {
    size_t start = 0;
    while (start <= v.size()) {
      size_t comma = v.find(',', start);
      std::string name = v.substr(start, comma - start);
      if (!name.empty()) rq.isolate.push_back(name);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (const std::string* s = FormGet(form, "shell")) {
    if (*s == "true" || *s == "1")
      rq.shell = true;
    else if (*s == "false" || *s == "0")
      rq.shell = false;
    else
      return InvalidArgument("field 'shell' must be true or false");
  }
  auto list =
      [&](const char* field) -> std::optional<std::vector<std::string>> {
    std::vector<std::string> all = FormGetAll(form, field);
    if (FormGet(form, field) == nullptr) return std::nullopt;
    std::erase(all, std::string());
    return all;
  };
  rq.allow = list("allow");
  rq.env_allow = list("env_allow");
  Status s = ApplyChannelRequest(rq, getenv("PATH"), cs);
  if (!s.ok()) return s;
  if (!cs->user.empty()) {
    Status user = api.view->CanRunAs(cs->user, cs->group);
    if (!user.ok()) return user;
  }
  if (cs->isolate != 0) {
    Status host = IsolationAvailable(cs->isolate);
    if (!host.ok())
      return InvalidArgument("isolation unavailable: " + host.message());
  }
  return Status::Ok();
}

}  // namespace

void CreateChannel(const ApiContext& api, const Request& rq) {
  evhttp_request* req = rq.req;
  auto form = ReadForm(api, req);
  if (!form) return;
  const std::string* name = FormGet(*form, "name");
  if (name == nullptr || !IsValidChannelName(*name)) {
    SendJson(req, 400,
             "field 'name' must be a channel name ([A-Za-z0-9_.:-], 1 to 64 "
             "characters)",
             nullptr);
    return;
  }
  int64_t workers = api.config.concurrent;
  bool has_workers = false;
  if (const std::string* w = FormGet(*form, "worker"); w && !w->empty()) {
    if (w->size() > 4 ||
        w->find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(*w) < 1 || std::stoi(*w) > 1024) {
      SendJson(req, 400, "field 'worker' must be a number from 1 to 1024",
               nullptr);
      return;
    }
    workers = std::stoi(*w);
    has_workers = true;
  }
  bool distinct = false;
  if (const std::string* d = FormGet(*form, "distinct"); d && !d->empty()) {
    if (*d == "true" || *d == "1") {
      distinct = true;
    } else if (*d != "false" && *d != "0") {
      SendJson(req, 400, "field 'distinct' must be true or false", nullptr);
      return;
    }
  }
  int retry = -1;
  if (const std::string* r = FormGet(*form, "retry"); r && !r->empty()) {
    if (r->size() > 3 ||
        r->find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(*r) > 100) {
      SendJson(req, 400, "field 'retry' must be a number from 0 to 100",
               nullptr);
      return;
    }
    retry = std::stoi(*r);
  }
  ChannelSettings cs;
  cs.workers = static_cast<int>(workers);
  cs.has_workers = has_workers;
  cs.distinct = distinct;
  cs.retry = retry;
  auto isolation = ChannelIsolationFromForm(api, *form, &cs);
  if (!isolation.ok()) {
    SendJson(req, 400, isolation.message(), nullptr);
    return;
  }
  if (!RedisUp(api, req)) return;
  std::string chan = *name;
  // The channel count limit is checked against the hash length; a race
  // between two creations may pass it by one, which the router's own check
  // then stops.
  api.redis->Command(
      {"HLEN", api.keys.Channels()},
      [&api, req, chan, workers, distinct,
       settings_text = ChannelSettingsJson(cs)](Result<const redisReply*> r) {
        if (!r.ok()) {
          SendRedisError(req, r.status());
          return;
        }
        if (r.value()->integer >= api.config.max_channels) {
          SendJson(req, 400,
                   "channel '" + chan +
                       "' cannot be created: --max-channels (" +
                       std::to_string(api.config.max_channels) + ") reached",
                   nullptr);
          return;
        }
        api.redis->Command(
            {"HSETNX", api.keys.Channels(), chan, settings_text},
            [&api, req, chan, workers, distinct,
             settings_text](Result<const redisReply*> r) {
              if (!r.ok()) {
                SendRedisError(req, r.status());
                return;
              }
              if (r.value()->integer == 0) {
                SendJson(req, 409, "channel " + chan + " already exists",
                         nullptr);
                return;
              }
              api.view->OnChannelCreated(chan, settings_text);
              json_t* d = json_object();
              json_object_set_new(d, "name", json_string(chan.c_str()));
              json_object_set_new(d, "workers", json_integer(workers));
              json_object_set_new(d, "distinct", json_boolean(distinct));
              SendJson(req, 200, "ok", d);
            });
      });
}

namespace {

// How long a pause waits before it answers: a worker whose claim was
// checked (claim_check.lua, finish.lua) just before the flag was stored
// spawns its task within this time, so that none starts after the answer.
constexpr double kPauseSettleS = 0.1;

struct PauseAnswer {
  evhttp_request* req;
  std::string channel;
  bool paused;
};

void SendPauseAnswer(evutil_socket_t, short, void* arg) noexcept {
  std::unique_ptr<PauseAnswer> a(static_cast<PauseAnswer*>(arg));
  json_t* d = json_object();
  json_object_set_new(d, "name", json_string(a->channel.c_str()));
  json_object_set_new(d, "paused", json_boolean(a->paused));
  SendJson(a->req, 200, "ok", d);
}

void SetPaused(const ApiContext& api, const Request& rq, bool paused) {
  evhttp_request* req = rq.req;
  const std::string& channel = rq.Param("channel");
  if (!RedisUp(api, req)) return;
  api.redis->Eval(
      kChannelPauseScript, {api.keys.Channels()}, {channel, paused ? "1" : "0"},
      [req, channel, paused](Result<const redisReply*> r) {
        if (!r.ok()) {
          SendRedisError(req, r.status());
          return;
        }
        if (r.value()->type != REDIS_REPLY_STRING) {
          SendJson(req, 404, "no channel " + channel, nullptr);
          return;
        }
        LOGR(INFO) << "channel " << channel
                   << (paused ? " paused" : " resumed");
        auto* a = new PauseAnswer{req, channel, paused};
        timeval tv = {
            0, paused ? static_cast<suseconds_t>(kPauseSettleS * 1e6) : 0};
        event_base* base =
            evhttp_connection_get_base(evhttp_request_get_connection(req));
        if (event_base_once(base, -1, EV_TIMEOUT, &SendPauseAnswer, a, &tv) !=
            0)
          SendPauseAnswer(-1, 0, a);
      });
}

}  // namespace

void PauseChannel(const ApiContext& api, const Request& rq) {
  SetPaused(api, rq, true);
}

void ResumeChannel(const ApiContext& api, const Request& rq) {
  SetPaused(api, rq, false);
}

void DeleteChannel(const ApiContext& api, const Request& rq) {
  evhttp_request* req = rq.req;
  const std::string& channel = rq.Param("channel");
  const std::string* purge_v = FormGet(rq.query, "purge");
  bool purge = purge_v && (*purge_v == "true" || *purge_v == "1");
  if (!RedisUp(api, req)) return;
  api.redis->Eval(
      kDeleteChannelScript,
      {api.keys.Channels(), api.keys.Queue(channel), api.keys.Stats()},
      {channel, purge ? "1" : "0", api.keys.prefix(),
       std::to_string(api.config.result_ttl_s)},
      [&api, req, channel, purge](Result<const redisReply*> r) {
        if (!r.ok()) {
          SendRedisError(req, r.status());
          return;
        }
        if (r.value()->integer < 0) {
          SendJson(req, 404, "no channel " + channel, nullptr);
          return;
        }
        api.view->OnChannelDeleted(channel);
        json_t* d = json_object();
        json_object_set_new(d, "name", json_string(channel.c_str()));
        json_object_set_new(d, "purged", json_integer(r.value()->integer));
        SendJson(req, 200,
                 purge ? "ok; its workers drain and its queued "
                         "tasks were cancelled"
                       : "ok; its workers drain; queued tasks stay "
                         "in Redis",
                 d);
      });
}

}  // namespace coyotes
