// The bench's Redis connection; see bench_redis.h.
#include "bench_redis.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace bench {

Redis::Redis(const std::string& hostport) {
  size_t colon = hostport.rfind(':');
  std::string host = hostport.substr(0, colon);
  int port = std::atoi(hostport.substr(colon + 1).c_str());
  timeval tv = {10, 0};
  ctx_ = redisConnectWithTimeout(host.c_str(), port, tv);
  if (ctx_ == nullptr || ctx_->err) {
    std::fprintf(stderr, "cannot connect to redis %s: %s\n", hostport.c_str(),
                 ctx_ ? ctx_->errstr : "out of memory");
    std::exit(1);
  }
  redisSetTimeout(ctx_, tv);
}

Redis::~Redis() { redisFree(ctx_); }

Reply Redis::Run(const std::vector<std::string>& argv) {
  std::vector<const char*> a;
  std::vector<size_t> l;
  for (const auto& s : argv) {
    a.push_back(s.data());
    l.push_back(s.size());
  }
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(ctx_, static_cast<int>(a.size()), a.data(), l.data()));
  if (r == nullptr) {
    std::fprintf(stderr, "redis %s: %s\n", argv[0].c_str(), ctx_->errstr);
    std::exit(1);
  }
  commands_++;
  return Reply(r);
}

std::string Redis::Str(const std::vector<std::string>& argv) {
  Reply r = Run(argv);
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
      r->type == REDIS_REPLY_ERROR)
    return std::string(r->str, r->len);
  if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
  return "";
}

long long Redis::Int(const std::vector<std::string>& argv) {
  Reply r = Run(argv);
  if (r->type == REDIS_REPLY_INTEGER) return r->integer;
  if (r->type == REDIS_REPLY_STRING) return std::atoll(r->str);
  return 0;
}

void Redis::LPushAll(const std::string& key,
                     const std::vector<std::string>& vals, size_t begin,
                     size_t end) {
  end = std::min(end, vals.size());
  for (size_t b = begin; b < end; b += 1000) {
    size_t e = std::min(end, b + 1000);
    for (size_t i = b; i < e; i++) {
      const char* a[3] = {"LPUSH", key.data(), vals[i].data()};
      size_t l[3] = {5, key.size(), vals[i].size()};
      redisAppendCommandArgv(ctx_, 3, a, l);
    }
    for (size_t i = b; i < e; i++) {
      void* raw = nullptr;
      if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
        std::fprintf(stderr, "redis LPUSH: %s\n", ctx_->errstr);
        std::exit(1);
      }
      Reply r(static_cast<redisReply*>(raw));
      if (r->type == REDIS_REPLY_ERROR)
        std::fprintf(stderr, "redis LPUSH: %s\n", r->str);
    }
    commands_ += e - b;
  }
}

std::map<std::string, long long> Redis::CommandStats() {
  std::map<std::string, long long> out;
  std::istringstream in(Str({"INFO", "commandstats"}));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("cmdstat_", 0) != 0) continue;
    size_t colon = line.find(':');
    size_t calls = line.find("calls=");
    if (colon == std::string::npos || calls == std::string::npos) continue;
    out[line.substr(8, colon - 8)] = std::atoll(line.c_str() + calls + 6);
  }
  return out;
}

long long Redis::InfoField(const std::string& section,
                           const std::string& field) {
  std::istringstream in(Str({"INFO", section}));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0)
      return std::atoll(line.c_str() + field.size() + 1);
  }
  return -1;
}

std::string Redis::LocalAddr() const {
  sockaddr_in a = {};
  socklen_t len = sizeof(a);
  getsockname(ctx_->fd, reinterpret_cast<sockaddr*>(&a), &len);
  char ip[64];
  inet_ntop(AF_INET, &a.sin_addr, ip, sizeof(ip));
  return std::string(ip) + ":" + std::to_string(ntohs(a.sin_port));
}

}  // namespace bench
