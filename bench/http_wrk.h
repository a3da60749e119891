// HTTP figures, measured with wrk against a --task-mode=false daemon (so
// POSTed tasks only queue): http_get_rate (GET /), http_post_rate (POST
// /channels/default) and http_post_accounted (tasks the daemon counted as
// dealt against the 2xx answers wrk counted).
#ifndef COYOTES_BENCH_HTTP_WRK_H_
#define COYOTES_BENCH_HTTP_WRK_H_

#include "bench_util.h"

namespace bench {

// The http subcommand.
int Http(const bench::Args& args);

}  // namespace bench

#endif  // COYOTES_BENCH_HTTP_WRK_H_
