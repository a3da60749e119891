#include "http/http_api.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include <chrono>
#include <cmath>
#include <cstdlib>

#include "base/channel_name.h"
#include "base/json_util.h"
#include "base/log.h"
#include "http/http_server.h"
#include "http/task_form.h"
#include "http/task_record.h"
#include "store/scripts.h"
#include "store/submit.h"
#include "task/task_codec.h"

namespace coyotes {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string BodyOf(evhttp_request* req) {
  evbuffer* in = evhttp_request_get_input_buffer(req);
  size_t n = evbuffer_get_length(in);
  std::string body(n, '\0');
  if (n) evbuffer_copyout(in, body.data(), n);
  return body;
}

const char* MethodName(evhttp_cmd_type m) {
  switch (m) {
    case EVHTTP_REQ_GET:
      return "GET";
    case EVHTTP_REQ_POST:
      return "POST";
    case EVHTTP_REQ_DELETE:
      return "DELETE";
    case EVHTTP_REQ_HEAD:
      return "HEAD";
    case EVHTTP_REQ_PUT:
      return "PUT";
    default:
      return "OTHER";
  }
}

}  // namespace

Result<std::vector<std::string>> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  bool any = false;
  for (size_t i = 0; i < path.size(); i++) {
    char c = path[i];
    if (c == '/') {
      if (any) out.push_back(cur);
      cur.clear();
      any = false;
      continue;
    }
    any = true;
    if (c == '%') {
      if (i + 2 >= path.size() || HexValue(path[i + 1]) < 0 ||
          HexValue(path[i + 2]) < 0)
        return InvalidArgument("malformed percent-escape in the path");
      cur +=
          static_cast<char>(HexValue(path[i + 1]) * 16 + HexValue(path[i + 2]));
      i += 2;
      continue;
    }
    cur += c;
  }
  if (any) out.push_back(cur);
  return out;
}

namespace {

// One route: a path pattern ("*" matches one segment) and its methods.
struct Route {
  std::vector<const char*> pattern;
  const char* allow;
};

bool Matches(const std::vector<std::string>& segs, const Route& r) {
  if (segs.size() != r.pattern.size()) return false;
  for (size_t i = 0; i < segs.size(); i++)
    if (std::string_view(r.pattern[i]) != "*" && segs[i] != r.pattern[i])
      return false;
  return true;
}

std::vector<std::pair<std::string, std::string>> Pairs(const redisReply* r) {
  std::vector<std::pair<std::string, std::string>> out;
  if (r->type != REDIS_REPLY_ARRAY) return out;
  for (size_t i = 0; i + 1 < r->elements; i += 2)
    out.emplace_back(
        std::string(r->element[i]->str, r->element[i]->len),
        std::string(r->element[i + 1]->str, r->element[i + 1]->len));
  return out;
}

std::string ReplyText(const redisReply* r) {
  return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
             ? std::string(r->str, r->len)
             : std::string();
}

int HttpStatusOf(const Status& s) {
  return s.code() == StatusCode::kUnavailable ? 503 : 500;
}

}  // namespace

Result<Page> ParsePage(const Form& query) {
  Page p;
  auto number = [](const std::string* v, int64_t lo, int64_t hi, int64_t* out) {
    if (v == nullptr) return true;
    if (v->empty() || v->size() > 12 ||
        v->find_first_not_of("0123456789") != std::string::npos)
      return false;
    int64_t n = std::stoll(*v);
    if (n < lo || n > hi) return false;
    *out = n;
    return true;
  };
  if (!number(FormGet(query, "limit"), 0, 1000, &p.limit))
    return InvalidArgument("limit must be a whole number from 0 to 1000");
  if (!number(FormGet(query, "offset"), 0, 1000000000000, &p.offset))
    return InvalidArgument("offset must be a whole number, 0 or more");
  return p;
}

void HttpApi::Handle(evhttp_request* req) {
  const char* uri = evhttp_request_get_uri(req);
  evhttp_uri* parsed =
      evhttp_uri_parse_with_flags(uri, EVHTTP_URI_NONCONFORMANT);
  if (parsed == nullptr) {
    SendJson(req, 400, "malformed request URI", nullptr);
    return;
  }
  std::string path =
      evhttp_uri_get_path(parsed) ? evhttp_uri_get_path(parsed) : "/";
  std::string query =
      evhttp_uri_get_query(parsed) ? evhttp_uri_get_query(parsed) : "";
  evhttp_uri_free(parsed);
  auto segs = SplitPath(path);
  if (!segs.ok()) {
    SendJson(req, 400, segs.status().message(), nullptr);
    return;
  }
  auto q = ParseUrlEncoded(query);
  if (!q.ok()) {
    SendJson(req, 400, "query string: " + q.status().message(), nullptr);
    return;
  }
  query_ = std::move(q.value());
  const auto& s = segs.value();
  evhttp_cmd_type m = evhttp_request_get_command(req);
  VLOG(1) << MethodName(m) << " " << path;

  static const Route kRoutes[] = {
      {{}, "GET, HEAD"},
      {{"channels"}, "GET, HEAD, POST"},
      {{"channels", "*"}, "GET, HEAD, POST, DELETE"},
      {{"channels", "*", "tasks"}, "POST"},
      {{"tasks", "*"}, "GET, HEAD, DELETE"},
      {{"dead-letters"}, "GET, HEAD, DELETE"},
      {{"delay-tasks"}, "GET, HEAD"},
      {{"delay-tasks", "*"}, "GET, HEAD, DELETE"},
      {{"channels", "*", "failed-tasks"}, "GET, HEAD"},
      {{"channels", "*", "failed-tasks", "*"}, "GET, HEAD, POST, DELETE"},
  };
  const Route* route = nullptr;
  for (const auto& r : kRoutes)
    if (Matches(s, r)) route = &r;
  if (route == nullptr) {
    SendJson(req, 404, "no such endpoint: " + path, nullptr);
    return;
  }
  bool get = m == EVHTTP_REQ_GET || m == EVHTTP_REQ_HEAD;
  bool post = m == EVHTTP_REQ_POST, del = m == EVHTTP_REQ_DELETE;
  auto not_allowed = [&] {
    SendJson(req, 405, std::string("method not allowed; use ") + route->allow,
             nullptr, route->allow);
  };
  if (s.size() >= 2 && s[0] == "channels" && !IsValidChannelName(s[1])) {
    SendJson(req, 400,
             "invalid channel name (allowed: [A-Za-z0-9_.:-], 1 to 64 "
             "characters)",
             nullptr);
    return;
  }
  if (s.empty()) {
    if (!get) return not_allowed();
    return GetStatus(req);
  }
  if (s[0] == "channels" && s.size() == 1) {
    if (get) return ListChannels(req, "");
    if (post) return CreateChannel(req);
    return not_allowed();
  }
  if (s[0] == "channels" && s.size() == 2) {
    if (get) return ListChannels(req, s[1]);
    if (post) return PostTask(req, s[1]);
    if (del) return DeleteChannel(req, s[1]);
    return not_allowed();
  }
  if (s[0] == "channels" && s.size() == 3 && s[2] == "failed-tasks") {
    if (get) return ListTaskSet(req, keys_.Failed(s[1]), "failed");
    return not_allowed();
  }
  if (s[0] == "channels" && s.size() == 4) {
    if (s[3] == "retry-all" && post) return RetryAllFailed(req, s[1]);
    if (!IsValidTaskId(s[3])) {
      SendJson(req, 404, "no failed task " + ToValidUtf8(s[3]), nullptr);
      return;
    }
    if (get) return GetFailed(req, s[1], s[3]);
    if (post) return FailedAction(req, s[1], s[3], "rerun");
    if (del) return FailedAction(req, s[1], s[3], "delete");
    return not_allowed();
  }
  if (s[0] == "channels") {
    if (post) return PostTask(req, s[1]);
    return not_allowed();
  }
  if (s[0] == "delay-tasks" && s.size() == 1) {
    if (get) return ListTaskSet(req, keys_.Delayed(), "delayed");
    return not_allowed();
  }
  if (s[0] == "delay-tasks") {
    if (!IsValidTaskId(s[1])) {
      SendJson(req, 404, "no delayed task " + ToValidUtf8(s[1]), nullptr);
      return;
    }
    if (get) return GetTask(req, s[1], "delayed");
    if (del) return CancelDelayed(req, s[1]);
    return not_allowed();
  }
  if (s[0] == "tasks") {
    if (!IsValidTaskId(s[1])) {
      SendJson(req, 404, "no task " + ToValidUtf8(s[1]), nullptr);
      return;
    }
    if (get) return GetTask(req, s[1], "");
    if (del) return CancelTask(req, s[1]);
    return not_allowed();
  }
  if (get) return ListDeadLetters(req);
  if (del) return ClearDeadLetters(req);
  not_allowed();
}

bool HttpApi::RedisUp(evhttp_request* req) {
  if (redis_->connected()) return true;
  SendJson(req, 503,
           "Redis is unavailable (" + config_.redis_addr.ToString() + ")",
           nullptr);
  return false;
}

std::optional<Form> HttpApi::ReadForm(evhttp_request* req) {
  std::string body = BodyOf(req);
  if (static_cast<int64_t>(body.size()) > config_.http_max_body) {
    SendJson(req, 413,
             "request body of " + std::to_string(body.size()) +
                 " bytes is over --http-max-body (" +
                 std::to_string(config_.http_max_body) + ")",
             nullptr);
    return std::nullopt;
  }
  const char* ct =
      evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
  bool unsupported = false;
  auto form = DecodeBody(ct ? ct : "", body, &unsupported);
  if (!form.ok()) {
    SendJson(req, unsupported ? 415 : 400, form.status().message(), nullptr);
    return std::nullopt;
  }
  return std::move(form.value());
}

void HttpApi::ListChannels(evhttp_request* req, const std::string& only) {
  auto page = ParsePage(query_);
  if (!page.ok()) {
    SendJson(req, 400, page.status().message(), nullptr);
    return;
  }
  if (!RedisUp(req)) return;
  Page pg = page.value();
  redis_->Command({"HGETALL", keys_.Channels()}, [this, req, only,
                                                  pg](Result<const redisReply*>
                                                          r) {
    if (!r.ok()) {
      SendJson(req, HttpStatusOf(r.status()), r.status().message(), nullptr);
      return;
    }
    auto channels = Pairs(r.value());
    if (!only.empty()) {
      std::erase_if(channels, [&](const auto& c) { return c.first != only; });
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
      int64_t workers =
          json_is_integer(w) ? json_integer_value(w) : config_.concurrent;
      bool distinct =
          settings && json_is_true(json_object_get(settings.get(), "distinct"));
      std::string chan = name;
      redis_->Eval(
          kChannelPageScript, {keys_.Running(chan), keys_.Queue(chan)},
          {keys_.prefix(), std::to_string(pg.offset), std::to_string(pg.limit)},
          [this, req, pending, chan, workers, distinct,
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
                    t, "task_id", JsonStringLossy(ReplyText(rep->element[i])));
                json_object_set_new(
                    t, "task_name",
                    JsonStringLossy(ReplyText(rep->element[i + 1])));
                json_object_set_new(t, "channel", json_string(chan.c_str()));
                json_object_set_new(t, "status", json_string("running"));
                json_array_append_new(tasks, t);
              }
              for (; i < rep->elements; i++) {
                auto spec = DecodeQueueItem(ReplyText(rep->element[i]));
                if (!spec.ok()) continue;
                json_t* t = json_object();
                json_object_set_new(t, "task_id", JsonStringLossy(spec->id));
                json_object_set_new(t, "task_name",
                                    JsonStringLossy(spec->name));
                json_object_set_new(t, "channel", json_string(chan.c_str()));
                json_object_set_new(t, "status", json_string("queued"));
                json_array_append_new(tasks, t);
              }
              json_t* c = json_object();
              json_object_set_new(c, "tasks", tasks);
              json_object_set_new(c, "count", json_integer(nrun + nq));
              json_object_set_new(c, "workers", json_integer(workers));
              json_object_set_new(c, "distinct", json_boolean(distinct));
              json_object_set_new(pending->data, chan.c_str(), c);
            }
            if (--pending->left > 0) return;
            if (pending->failed) {
              json_decref(pending->data);
              SendJson(req, HttpStatusOf(pending->error),
                       pending->error.message(), nullptr);
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

void HttpApi::CreateChannel(evhttp_request* req) {
  auto form = ReadForm(req);
  if (!form) return;
  const std::string* name = FormGet(*form, "name");
  if (name == nullptr || !IsValidChannelName(*name)) {
    SendJson(req, 400,
             "field 'name' must be a channel name ([A-Za-z0-9_.:-], 1 to 64 "
             "characters)",
             nullptr);
    return;
  }
  int64_t workers = config_.concurrent;
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
  if (!RedisUp(req)) return;
  JsonPtr settings(json_object());
  if (has_workers)
    json_object_set_new(settings.get(), "workers", json_integer(workers));
  json_object_set_new(settings.get(), "distinct", json_boolean(distinct));
  if (retry >= 0)
    json_object_set_new(settings.get(), "retry", json_integer(retry));
  std::string chan = *name;
  // The channel count limit is checked against the hash length; a race
  // between two creations may pass it by one, which the router's own check
  // then stops.
  redis_->Command({"HLEN", keys_.Channels()}, [this, req, chan, workers,
                                               distinct,
                                               settings_text =
                                                   JsonDump(settings.get())](
                                                  Result<const redisReply*> r) {
    if (!r.ok()) {
      SendJson(req, HttpStatusOf(r.status()), r.status().message(), nullptr);
      return;
    }
    if (r.value()->integer >= config_.max_channels) {
      SendJson(req, 400,
               "channel '" + chan + "' cannot be created: --max-channels (" +
                   std::to_string(config_.max_channels) + ") reached",
               nullptr);
      return;
    }
    redis_->Command(
        {"HSETNX", keys_.Channels(), chan, settings_text},
        [this, req, chan, workers, distinct,
         settings_text](Result<const redisReply*> r) {
          if (!r.ok()) {
            SendJson(req, HttpStatusOf(r.status()), r.status().message(),
                     nullptr);
            return;
          }
          if (r.value()->integer == 0) {
            SendJson(req, 409, "channel " + chan + " already exists", nullptr);
            return;
          }
          view_->OnChannelCreated(chan, settings_text);
          json_t* d = json_object();
          json_object_set_new(d, "name", json_string(chan.c_str()));
          json_object_set_new(d, "workers", json_integer(workers));
          json_object_set_new(d, "distinct", json_boolean(distinct));
          SendJson(req, 200, "ok", d);
        });
  });
}

void HttpApi::DeleteChannel(evhttp_request* req, const std::string& channel) {
  const std::string* purge_v = FormGet(query_, "purge");
  bool purge = purge_v && (*purge_v == "true" || *purge_v == "1");
  if (!RedisUp(req)) return;
  redis_->Eval(kDeleteChannelScript,
               {keys_.Channels(), keys_.Queue(channel), keys_.Stats()},
               {channel, purge ? "1" : "0", keys_.prefix(),
                std::to_string(config_.result_ttl_s)},
               [this, req, channel, purge](Result<const redisReply*> r) {
                 if (!r.ok()) {
                   SendJson(req, HttpStatusOf(r.status()), r.status().message(),
                            nullptr);
                   return;
                 }
                 if (r.value()->integer < 0) {
                   SendJson(req, 404, "no channel " + channel, nullptr);
                   return;
                 }
                 view_->OnChannelDeleted(channel);
                 json_t* d = json_object();
                 json_object_set_new(d, "name", json_string(channel.c_str()));
                 json_object_set_new(d, "purged",
                                     json_integer(r.value()->integer));
                 SendJson(req, 200,
                          purge ? "ok; its workers drain and its queued "
                                  "tasks were cancelled"
                                : "ok; its workers drain; queued tasks stay "
                                  "in Redis",
                          d);
               });
}

void HttpApi::GetTask(evhttp_request* req, const std::string& id,
                      const std::string& only_state) {
  if (!RedisUp(req)) return;
  redis_->Command(
      {"HGETALL", keys_.Task(id)},
      [req, id, only_state](Result<const redisReply*> r) {
        if (!r.ok()) {
          SendJson(req, HttpStatusOf(r.status()), r.status().message(),
                   nullptr);
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

void HttpApi::CancelTask(evhttp_request* req, const std::string& id) {
  if (!RedisUp(req)) return;
  redis_->Eval(
      kCancelScript, {keys_.Task(id), keys_.Stats()},
      {keys_.prefix(), std::to_string(config_.result_ttl_s)},
      [this, req, id](Result<const redisReply*> r) {
        if (!r.ok()) {
          SendJson(req, HttpStatusOf(r.status()), r.status().message(),
                   nullptr);
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
          view_->CancelRunning(extra, id);
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

void HttpApi::ListTaskSet(evhttp_request* req, const std::string& key,
                          const std::string& kind) {
  auto page = ParsePage(query_);
  if (!page.ok()) {
    SendJson(req, 400, page.status().message(), nullptr);
    return;
  }
  if (!RedisUp(req)) return;
  redis_->Eval(
      kTaskSetPageScript, {key},
      {keys_.prefix(), std::to_string(page->offset),
       std::to_string(page->limit), kind,
       std::to_string(config_.failed_ttl_s * 1000)},
      [req](Result<const redisReply*> r) {
        if (!r.ok()) {
          SendJson(req, HttpStatusOf(r.status()), r.status().message(),
                   nullptr);
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

void HttpApi::CancelDelayed(evhttp_request* req, const std::string& id) {
  if (!RedisUp(req)) return;
  redis_->Command({"HGET", keys_.Task(id), "state"},
                  [this, req, id](Result<const redisReply*> r) {
                    if (!r.ok()) {
                      SendJson(req, HttpStatusOf(r.status()),
                               r.status().message(), nullptr);
                      return;
                    }
                    if (ReplyText(r.value()) != "delayed") {
                      SendJson(req, 404, "no delayed task " + id, nullptr);
                      return;
                    }
                    CancelTask(req, id);
                  });
}

void HttpApi::GetFailed(evhttp_request* req, const std::string& channel,
                        const std::string& id) {
  if (!RedisUp(req)) return;
  redis_->Command({"ZSCORE", keys_.Failed(channel), id},
                  [this, req, channel, id](Result<const redisReply*> r) {
                    if (!r.ok()) {
                      SendJson(req, HttpStatusOf(r.status()),
                               r.status().message(), nullptr);
                      return;
                    }
                    if (r.value()->type == REDIS_REPLY_NIL) {
                      SendJson(req, 404,
                               "no failed task " + id + " in " + channel,
                               nullptr);
                      return;
                    }
                    GetTask(req, id, "failed");
                  });
}

std::vector<std::string> HttpApi::FailedActionKeys(
    const std::string& channel, const std::string& id) const {
  return {keys_.Failed(channel), keys_.Task(id), keys_.Queue(channel),
          keys_.Distinct(channel)};
}

void HttpApi::FailedAction(evhttp_request* req, const std::string& channel,
                           const std::string& id, const std::string& action) {
  if (!RedisUp(req)) return;
  redis_->Eval(
      kFailedActionScript, FailedActionKeys(channel, id), {id, action},
      [req, channel, id, action](Result<const redisReply*> r) {
        if (!r.ok()) {
          SendJson(req, HttpStatusOf(r.status()), r.status().message(),
                   nullptr);
          return;
        }
        if (r.value()->integer == 0) {
          SendJson(req, 404, "no failed task " + id + " in " + channel,
                   nullptr);
          return;
        }
        if (r.value()->integer == 2) {
          SendJson(req, 409,
                   "task " + id +
                       "'s command is already queued, delayed "
                       "or running in distinct channel " +
                       channel,
                   nullptr);
          return;
        }
        json_t* d = json_object();
        json_object_set_new(d, "task_id", json_string(id.c_str()));
        SendJson(req, 200,
                 action == "rerun" ? "ok; queued again" : "ok; forgotten", d);
      });
}

void HttpApi::RetryAllFailed(evhttp_request* req, const std::string& channel) {
  if (!RedisUp(req)) return;
  redis_->Command({"ZRANGE", keys_.Failed(channel), "0", "-1"},
                  [this, req, channel](Result<const redisReply*> r) {
                    if (!r.ok()) {
                      SendJson(req, HttpStatusOf(r.status()),
                               r.status().message(), nullptr);
                      return;
                    }
                    struct Pending {
                      size_t left = 0;
                      int64_t queued = 0;
                    };
                    auto p = std::make_shared<Pending>();
                    p->left = r.value()->elements;
                    auto answer = [req, channel](int64_t n) {
                      json_t* d = json_object();
                      json_object_set_new(d, "queued", json_integer(n));
                      SendJson(req, 200, "ok", d);
                    };
                    if (p->left == 0) return answer(0);
                    for (size_t i = 0; i < r.value()->elements; i++) {
                      std::string id = ReplyText(r.value()->element[i]);
                      // Pipelined on one connection: they run in order.
                      redis_->Eval(kFailedActionScript,
                                   FailedActionKeys(channel, id), {id, "rerun"},
                                   [p, answer](Result<const redisReply*> r) {
                                     if (r.ok() && r.value()->integer == 1)
                                       p->queued++;
                                     if (--p->left == 0) answer(p->queued);
                                   });
                    }
                  });
}

void HttpApi::ListDeadLetters(evhttp_request* req) {
  auto page = ParsePage(query_);
  if (!page.ok()) {
    SendJson(req, 400, page.status().message(), nullptr);
    return;
  }
  if (!RedisUp(req)) return;
  Page pg = page.value();
  // Newest first, as they were pushed.
  redis_->Command(
      {"LLEN", keys_.DeadLetters()},
      [this, req, pg](Result<const redisReply*> r) {
        if (!r.ok()) {
          SendJson(req, HttpStatusOf(r.status()), r.status().message(),
                   nullptr);
          return;
        }
        long long count = r.value()->integer;
        if (pg.limit == 0 || pg.offset >= count) {
          json_t* d = json_object();
          json_object_set_new(d, "items", json_array());
          json_object_set_new(d, "count", json_integer(count));
          SendJson(req, 200, "ok", d);
          return;
        }
        redis_->Command(
            {"LRANGE", keys_.DeadLetters(), std::to_string(pg.offset),
             std::to_string(pg.offset + pg.limit - 1)},
            [req, count](Result<const redisReply*> r) {
              if (!r.ok()) {
                SendJson(req, HttpStatusOf(r.status()), r.status().message(),
                         nullptr);
                return;
              }
              json_t* items = json_array();
              for (size_t i = 0; i < r.value()->elements; i++) {
                std::string text = ReplyText(r.value()->element[i]);
                json_error_t err;
                json_t* o = json_loadb(text.data(), text.size(), 0, &err);
                json_array_append_new(items, o ? o : JsonStringLossy(text));
              }
              json_t* d = json_object();
              json_object_set_new(d, "items", items);
              json_object_set_new(d, "count", json_integer(count));
              SendJson(req, 200, "ok", d);
            });
      });
}

void HttpApi::ClearDeadLetters(evhttp_request* req) {
  if (!RedisUp(req)) return;
  redis_->Command({"DEL", keys_.DeadLetters()},
                  [req](Result<const redisReply*> r) {
                    if (!r.ok()) {
                      SendJson(req, HttpStatusOf(r.status()),
                               r.status().message(), nullptr);
                      return;
                    }
                    SendJson(req, 200, "ok; dead letters cleared", nullptr);
                  });
}

void HttpApi::GetStatus(evhttp_request* req) {
  json_t* data = view_->StatusJson();
  json_t* redis = json_object();
  json_object_set_new(redis, "addr",
                      json_string(config_.redis_addr.ToString().c_str()));
  json_object_set_new(redis, "connected", json_boolean(redis_->connected()));
  json_object_set_new(data, "redis", redis);
  redis_->Command({"HMGET", keys_.Stats(), "dealt", "succeeded", "failed"},
                  [req, data](Result<const redisReply*> r) {
                    json_t* totals = json_object();
                    const char* names[] = {"dealt", "succeeded", "failed"};
                    for (int i = 0; i < 3; i++) {
                      long long v = 0;
                      if (r.ok() && r.value()->type == REDIS_REPLY_ARRAY &&
                          r.value()->elements == 3 &&
                          r.value()->element[i]->type == REDIS_REPLY_STRING)
                        v = std::atoll(r.value()->element[i]->str);
                      json_object_set_new(
                          totals, names[i],
                          r.ok() ? json_integer(v) : json_null());
                    }
                    json_object_set_new(data, "totals", totals);
                    SendJson(req, 200, "ok", data);
                  });
}

void HttpApi::PostTask(evhttp_request* req, const std::string& channel) {
  auto form = ReadForm(req);
  if (!form) return;
  auto spec = TaskFromForm(*form, channel, config_.max_task_bytes);
  if (!spec.ok()) {
    SendJson(req, 400, spec.status().message(), nullptr);
    return;
  }
  if (spec->id.empty()) spec->id = NewTaskId();
  if (!redis_->connected()) {
    SendJson(req, 503, "Redis is unavailable; the task was not queued",
             nullptr);
    return;
  }
  std::string id = spec->id, name = spec->name;
  double delay_s = DueInSeconds(spec.value());
  SubmitTask(
      redis_, keys_, config_, spec.value(), "", "",
      [this, req, id, name, channel, delay_s](SubmitOutcome out) {
        auto data = [&](bool result) {
          json_t* d = json_object();
          json_object_set_new(d, "task_id", json_string(id.c_str()));
          json_object_set_new(d, "task_name", JsonStringLossy(name));
          json_object_set_new(d, "result", json_boolean(result));
          return d;
        };
        if (out.channel_created) view_->OnChannelCreated(channel, "");
        switch (out.result) {
          case SubmitResult::kQueued:
            if (delay_s > 0) view_->OnDelayed(delay_s);
            SendJson(req, 200, "ok", data(true));
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
                         std::to_string(config_.max_channels) + ") reached",
                     nullptr);
            return;
          case SubmitResult::kError:
            SendJson(req,
                     out.status.code() == StatusCode::kUnavailable ? 503 : 500,
                     out.status.message(), nullptr);
            return;
        }
      });
}

}  // namespace coyotes
