#include "http/output_follow.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/keyvalq_struct.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "base/json_util.h"
#include "http/api_common.h"
#include "http/client_watch.h"
#include "http/http_server.h"
#include "http/metrics.h"
#include "http/task_record.h"
#include "http/task_wait.h"
#include "store/scripts.h"

namespace coyotes {

Result<OutputRead> ParseOutputRead(const redisReply* r) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 7 ||
      r->element[6]->type != REDIS_REPLY_ARRAY ||
      r->element[6]->elements % 3 != 0)
    return Internal("output_read: unexpected reply");
  OutputRead read;
  read.state = EffectiveState({{"state", ReplyText(r->element[0])},
                               {"due_at", ReplyText(r->element[1])}});
  read.final = IsFinalState(read.state);
  read.exit_code = ReplyText(r->element[2]);
  read.signal = ReplyText(r->element[3]);
  read.out = ReplyText(r->element[4]);
  read.err = ReplyText(r->element[5]);
  const redisReply* e = r->element[6];
  for (size_t i = 0; i < e->elements; i += 3)
    read.entries.push_back({ReplyText(e->element[i]),
                            ReplyText(e->element[i + 1]),
                            ReplyText(e->element[i + 2])});
  return read;
}

void ReadOutput(AsyncRedis* redis, const RedisKeys& keys, const std::string& id,
                const std::string& after, int count,
                std::function<void(Result<OutputRead>)> done) {
  redis->Eval(kOutputReadScript, {keys.Task(id), keys.Output(id)},
              {after, std::to_string(count)},
              [done = std::move(done)](Result<const redisReply*> r) {
                if (!r.ok())
                  done(r.status());
                else
                  done(ParseOutputRead(r.value()));
              });
}

struct OutputFollows::Follower {
  uint64_t serial;
  evhttp_request* req;
  std::string id;
  std::string after;         // the last entry sent
  bool started = false;      // the 200 and its headers are sent
  bool sent_output = false;  // some output went out as it came
  int failed_reads = 0;      // in a row, Redis refusing or gone
  std::unique_ptr<Event> timer;
  std::unique_ptr<ClientWatch> client;
};

OutputFollows::OutputFollows(EventBase* base, AsyncRedis* redis,
                             const RedisKeys& keys, double redis_wait_s)
    : base_(base), redis_(redis), keys_(keys), redis_wait_s_(redis_wait_s) {}

OutputFollows::~OutputFollows() {
  *alive_ = false;
  while (!followers_.empty()) {
    Follower* f = followers_.begin()->second.get();
    if (f->started) {
      json_t* last = json_object();
      json_object_set_new(last, "error", json_string("the daemon is stopping"));
      End(f, last);
    } else {
      evhttp_request* req = f->req;
      Forget(f);
      SendJson(req, 503, "the daemon is stopping", nullptr);
    }
  }
}

void OutputFollows::Follow(evhttp_request* req, const std::string& id) {
  if (followers_.size() >= kMaxFollowers) {
    SendJson(req, 503,
             "too many followed outputs (" + std::to_string(kMaxFollowers) +
                 "); try again later",
             nullptr);
    return;
  }
  uint64_t serial = next_serial_++;
  auto owned = std::make_unique<Follower>();
  Follower* f = owned.get();
  followers_.emplace(serial, std::move(owned));
  f->serial = serial;
  f->req = req;
  f->id = id;
  f->timer = std::make_unique<Event>(base_, -1, 0,
                                     [this, serial](short) { Read(serial); });
  f->client = std::make_unique<ClientWatch>(base_, req, [this, f] {
    evhttp_request* gone = f->req;
    bool started = f->started;
    Forget(f);
    // Nobody reads it; finishing the answer frees the request.
    if (started)
      evhttp_send_reply_end(gone);
    else
      SendJson(gone, 499, "the client went away", nullptr);
  });
  Read(serial);
}

void OutputFollows::Read(uint64_t serial) {
  auto it = followers_.find(serial);
  if (it == followers_.end()) return;
  Follower* f = it->second.get();
  // Backpressure: a client that reads slower than its task writes is not
  // handed more until it has taken what waits.
  if (evhttp_connection* evcon = evhttp_request_get_connection(f->req)) {
    bufferevent* bev = evhttp_connection_get_bufferevent(evcon);
    if (bev &&
        evbuffer_get_length(bufferevent_get_output(bev)) > kMaxBuffered) {
      f->timer->ArmTimer(kPollS);
      return;
    }
  }
  std::weak_ptr<bool> alive = alive_;
  ReadOutput(redis_, keys_, f->id, f->after, kReadCount,
             [this, alive, serial](Result<OutputRead> read) {
               auto guard = alive.lock();
               if (!guard || !*guard) return;
               OnRead(serial, std::move(read));
             });
}

void OutputFollows::OnRead(uint64_t serial, Result<OutputRead> read) {
  auto it = followers_.find(serial);
  if (it == followers_.end()) return;  // its client left meanwhile
  Follower* f = it->second.get();
  if (!read.ok()) {
    if (!f->started) {
      evhttp_request* req = f->req;
      Forget(f);
      SendRedisError(req, read.status());
      return;
    }
    // Redis away: keep polling up to --redis-wait (5 s at least), as a
    // request that needs Redis waits for it.
    if (++f->failed_reads * kPollS > std::max(redis_wait_s_, 5.0)) {
      json_t* last = json_object();
      json_object_set_new(last, "error",
                          JsonStringLossy(read.status().message()));
      End(f, last);
      return;
    }
    f->timer->ArmTimer(kPollS);
    return;
  }
  f->failed_reads = 0;
  if (read->state.empty()) {
    if (!f->started) {
      evhttp_request* req = f->req;
      std::string id = f->id;
      Forget(f);
      SendJson(req, 404, "no task " + ToValidUtf8(id), nullptr);
      return;
    }
    json_t* last = json_object();
    json_object_set_new(last, "error",
                        json_string("the task's record is gone"));
    End(f, last);
    return;
  }
  if (!f->started) {
    f->started = true;
    evkeyvalq* h = evhttp_request_get_output_headers(f->req);
    evhttp_add_header(h, "Content-Type", "application/x-ndjson");
    evhttp_add_header(h, "Cache-Control", "no-cache");
    // Batches are small and come apart: none should wait for an ACK.
    SetNoDelay(f->req);
    CountHttpAnswer(200);
    evhttp_send_reply_start(f->req, 200, "OK");
  }
  auto chunk = [&](const char* stream, const std::string& data) {
    if (data.empty()) return;
    json_t* line = json_object();
    json_object_set_new(line, "stream", json_string(stream));
    json_object_set_new(line, "data", JsonStringLossy(data));
    Line(f, line);
  };
  for (const OutputRead::Entry& e : read->entries) {
    chunk("stdout", e.out);
    chunk("stderr", e.err);
    f->after = e.id;
    f->sent_output = true;
  }
  if (read->entries.size() >= static_cast<size_t>(kReadCount)) {
    f->timer->ArmTimer(0);  // more to read before deciding anything
    return;
  }
  if (!read->final) {
    f->timer->ArmTimer(kPollS);
    return;
  }
  // The worker sends its last batch before it records the end, so the
  // entries read with a final state are all there is. Without any, the
  // task ended before its output was ever sent: the record has it.
  if (!f->sent_output) {
    chunk("stdout", read->out);
    chunk("stderr", read->err);
  }
  json_t* last = json_object();
  json_object_set_new(last, "state", json_string(read->state.c_str()));
  json_object_set_new(last, "exit_code",
                      read->exit_code.empty()
                          ? json_null()
                          : json_integer(std::atoll(read->exit_code.c_str())));
  json_object_set_new(
      last, "signal",
      read->signal.empty() ? json_null() : JsonStringLossy(read->signal));
  End(f, last);
}

void OutputFollows::Line(Follower* f, json_t* line) {
  std::string text = JsonDump(line);
  json_decref(line);
  text += '\n';
  evbuffer* buf = evbuffer_new();
  evbuffer_add(buf, text.data(), text.size());
  evhttp_send_reply_chunk(f->req, buf);
  evbuffer_free(buf);
}

void OutputFollows::End(Follower* f, json_t* last) {
  if (last != nullptr) Line(f, last);
  evhttp_request* req = f->req;
  Forget(f);
  evhttp_send_reply_end(req);
}

void OutputFollows::Forget(Follower* f) { followers_.erase(f->serial); }

}  // namespace coyotes
