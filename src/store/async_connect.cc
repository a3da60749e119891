#include "store/async_connect.h"

#include <hiredis/adapters/libevent.h>

namespace coyotes {

Result<redisAsyncContext*> AsyncConnect(
    EventBase* base, const HostPort& addr, void* data,
    redisConnectCallback* on_connect, redisDisconnectCallback* on_disconnect) {
  redisAsyncContext* c = addr.is_unix()
                             ? redisAsyncConnectUnix(addr.unix_path.c_str())
                             : redisAsyncConnect(addr.host.c_str(), addr.port);
  if (c == nullptr)
    return Unavailable("connect " + addr.ToString() + ": out of memory");
  if (c->err) {
    std::string why = "connect " + addr.ToString() + ": " + c->errstr;
    redisAsyncFree(c);
    return Unavailable(why);
  }
  c->data = data;
  redisLibeventAttach(c, base->get());
  redisAsyncSetConnectCallback(c, on_connect);
  redisAsyncSetDisconnectCallback(c, on_disconnect);
  return c;
}

int AsyncCommandArgv(redisAsyncContext* c, redisCallbackFn* fn, void* priv,
                     const std::vector<std::string>& argv) {
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  return redisAsyncCommandArgv(c, fn, priv, static_cast<int>(ptrs.size()),
                               ptrs.data(), lens.data());
}

}  // namespace coyotes
