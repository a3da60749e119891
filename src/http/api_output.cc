// GET /tasks/ID/output: a task's output so far, whichever daemon runs it;
// with ?follow=1, streamed until it ends (http/output_follow.h).
#include "base/json_util.h"
#include "http/api_handlers.h"
#include "http/http_server.h"
#include "http/output_follow.h"

namespace coyotes {

namespace {

// The last `cap` bytes of `text`: the live stream keeps a little more than
// --output-tail of each pipe, the answer gives what the record would.
std::string Tail(std::string text, size_t cap) {
  if (text.size() > cap) text.erase(0, text.size() - cap);
  return text;
}

}  // namespace

void GetTaskOutput(const ApiContext& api, const Request& r) {
  evhttp_request* req = r.req;
  const std::string& id = r.Param("task_id");
  bool follow = false;
  if (const std::string* f = FormGet(r.query, "follow")) {
    if (*f == "1" || *f == "true") {
      follow = true;
    } else if (*f != "0" && *f != "false") {
      SendJson(req, 400, "follow must be 1 or 0, not '" + ToValidUtf8(*f) + "'",
               nullptr);
      return;
    }
  }
  if (!RedisUp(api, req)) return;
  // A HEAD has no body to stream.
  if (follow && evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
    api.follows->Follow(req, id);
    return;
  }
  size_t cap = api.config.output_tail;
  ReadOutput(api.redis, api.keys, id, "", OutputFollows::kReadCount,
             [req, id, cap](Result<OutputRead> read) {
               if (!read.ok()) {
                 SendRedisError(req, read.status());
                 return;
               }
               if (read->state.empty()) {
                 SendJson(req, 404, "no task " + ToValidUtf8(id), nullptr);
                 return;
               }
               std::string out = read->out, err = read->err;
               if (!read->final) {
                 for (const OutputRead::Entry& e : read->entries) {
                   out += e.out;
                   err += e.err;
                 }
               }
               json_t* d = json_object();
               json_object_set_new(d, "stdout",
                                   JsonStringLossy(Tail(std::move(out), cap)));
               json_object_set_new(d, "stderr",
                                   JsonStringLossy(Tail(std::move(err), cap)));
               json_object_set_new(d, "state",
                                   json_string(read->state.c_str()));
               SendJson(req, 200, "ok", d);
             });
}

}  // namespace coyotes
