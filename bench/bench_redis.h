// The bench's own synchronous Redis connection (hiredis) and the keys of the
// queue protocol it writes and reads. Any I/O error ends the bench: without
// Redis no figure can be measured. The connection counts the commands it
// sent, so that a figure can take the bench's own commands out.
#ifndef COYOTES_BENCH_BENCH_REDIS_H_
#define COYOTES_BENCH_BENCH_REDIS_H_

#include <hiredis/hiredis.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace bench {

struct ReplyFree {
  void operator()(redisReply* r) const {
    if (r) freeReplyObject(r);
  }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

// One blocking connection, owned from connect to redisFree; not shared
// between threads (MONITOR gets a connection of its own). Replies come back
// as Reply, which frees them.
class Redis {
 public:
  explicit Redis(const std::string& hostport);
  ~Redis();
  Redis(const Redis&) = delete;
  Redis& operator=(const Redis&) = delete;

  // One command; exits on an I/O error (the bench cannot go on).
  Reply Run(const std::vector<std::string>& argv);
  std::string Str(const std::vector<std::string>& argv);
  long long Int(const std::vector<std::string>& argv);
  // LPUSH key v for every value, pipelined 1000 at a time.
  void LPushAll(const std::string& key, const std::vector<std::string>& vals,
                size_t begin = 0, size_t end = SIZE_MAX);
  // INFO commandstats as command -> calls.
  std::map<std::string, long long> CommandStats();
  long long InfoField(const std::string& section, const std::string& field);
  // "127.0.0.1:PORT" of our end, as MONITOR names clients.
  std::string LocalAddr() const;
  redisContext* ctx() { return ctx_; }
  long long commands() const { return commands_; }

 private:
  redisContext* ctx_ = nullptr;
  long long commands_ = 0;
};

struct Keys {
  std::string p;  // namespace prefix, "" or "NS:"
  std::string Prepare() const { return p + "task:prepare:queue"; }
  std::string Stats() const { return p + "coyotes:stats"; }
  std::string Queue(const std::string& c) const {
    return p + "coyotes:queue:" + c;
  }
};

}  // namespace bench

#endif  // COYOTES_BENCH_BENCH_REDIS_H_
