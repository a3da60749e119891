// A task's output as GET /tasks/ID/output gives it: read from Redis in one
// step (output_read.lua), and, with ?follow=1, streamed while the task runs.
//
// A running task's worker sends its output in batches to a stream in Redis
// (daemon/live_output.h), so any daemon can answer. A followed answer is
// chunked NDJSON: {"stream":"stdout"|"stderr","data":...} per batch, then
// {"state":...,"exit_code":...,"signal":...} when the task has ended. It
// polls the stream every kPollS: the batches come at most that often, and
// the poll costs one small script call whatever else happens in Redis.
// A task that ended before its output was ever sent (most do: batches
// start once it has run for the start-record delay) gets its record's
// stdout and stderr instead.
#ifndef COYOTES_HTTP_OUTPUT_FOLLOW_H_
#define COYOTES_HTTP_OUTPUT_FOLLOW_H_

#include <event2/http.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/event_loop.h"
#include "base/status.h"
#include "store/async_redis.h"
#include "store/redis_keys.h"

namespace coyotes {

// One output_read.lua reply.
struct OutputRead {
  struct Entry {
    std::string id, out, err;
  };
  std::string state;  // as GET /tasks/ID shows it; "": no such task
  bool final = false;
  std::string exit_code, signal;  // "" when the record has none
  std::string out, err;           // the record's tails, once final
  std::vector<Entry> entries;
};
Result<OutputRead> ParseOutputRead(const redisReply* r);

// Reads task `id`'s state and its live output entries after `after` ("":
// from the first), `count` at most.
void ReadOutput(AsyncRedis* redis, const RedisKeys& keys, const std::string& id,
                const std::string& after, int count,
                std::function<void(Result<OutputRead>)> done);

class ClientWatch;

class OutputFollows {
 public:
  static constexpr double kPollS = 0.1;
  // Streams one daemon serves at once; one more is answered 503.
  static constexpr size_t kMaxFollowers = 256;
  // Entries read per poll; a full read is followed by another at once.
  static constexpr int kReadCount = 1000;
  // A stream whose client reads slower than its task writes stops reading
  // Redis while this much waits to be sent to it.
  static constexpr size_t kMaxBuffered = 4 << 20;

  OutputFollows(EventBase* base, AsyncRedis* redis, const RedisKeys& keys,
                double redis_wait_s);
  // Ends every stream: the daemon is stopping.
  ~OutputFollows();
  OutputFollows(const OutputFollows&) = delete;
  OutputFollows& operator=(const OutputFollows&) = delete;

  // Answers `req` with task `id`'s output as it comes, until the task
  // ends; or with an error (404, 503) when it cannot start.
  void Follow(evhttp_request* req, const std::string& id);
  size_t following() const { return followers_.size(); }

 private:
  struct Follower;
  void Read(uint64_t serial);
  void OnRead(uint64_t serial, Result<OutputRead> read);
  // Writes one NDJSON line (takes `line`).
  void Line(Follower* f, json_t* line);
  // Sends the last line (when not null) and ends the answer.
  void End(Follower* f, json_t* last);
  void Forget(Follower* f);

  EventBase* base_;
  AsyncRedis* redis_;
  const RedisKeys& keys_;
  double redis_wait_s_;
  std::map<uint64_t, std::unique_ptr<Follower>> followers_;
  uint64_t next_serial_ = 1;
  // False once we are destroyed: a Redis reply then finds no follower.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace coyotes

#endif  // COYOTES_HTTP_OUTPUT_FOLLOW_H_
