// The two steps every asynchronous hiredis user here (AsyncRedis,
// RedisProbe, EventSubscriber) takes alike: a connection to a HostPort,
// TCP or Unix socket, attached to the master's loop; and a command sent as
// an argv vector, so that no data is ever interpolated into a format.
#ifndef COYOTES_STORE_ASYNC_CONNECT_H_
#define COYOTES_STORE_ASYNC_CONNECT_H_

#include <hiredis/async.h>

#include <string>
#include <vector>

#include "base/config.h"
#include "base/event_loop.h"
#include "base/status.h"

namespace coyotes {

// Starts connecting to `addr`; the context (owned by hiredis from here)
// has `data` and both callbacks set. kUnavailable with the reason when
// hiredis cannot even start.
Result<redisAsyncContext*> AsyncConnect(EventBase* base, const HostPort& addr,
                                        void* data,
                                        redisConnectCallback* on_connect,
                                        redisDisconnectCallback* on_disconnect);

// redisAsyncCommandArgv over `argv`: REDIS_OK or REDIS_ERR.
int AsyncCommandArgv(redisAsyncContext* c, redisCallbackFn* fn, void* priv,
                     const std::vector<std::string>& argv);

}  // namespace coyotes

#endif  // COYOTES_STORE_ASYNC_CONNECT_H_
