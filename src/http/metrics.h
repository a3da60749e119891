// GET /metrics: the Prometheus text exposition format, version 0.0.4.
//
// MetricsText writes it: each family once, its # HELP and # TYPE first
// and its samples together (promtool checks both), label values escaped.
// The daemon's own numbers come from DaemonView::WriteMetrics (the master
// knows its workers and processes), the HTTP answers counted here, and
// what Redis holds from one script call (metrics.lua) per scrape.
#ifndef COYOTES_HTTP_METRICS_H_
#define COYOTES_HTTP_METRICS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace coyotes {

class MetricsText {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // Starts a family: `type` is counter, gauge or histogram.
  void Family(const std::string& name, const char* type, const char* help);
  // One sample of the current family (`suffix` for _bucket, _sum, _count).
  void Sample(const Labels& labels, double value, const char* suffix = "");
  // A histogram's samples: `buckets` holds each bucket's own count (not
  // cumulative), one per bound and then +Inf.
  void Histogram(const Labels& labels, const double* bounds, int n_bounds,
                 const uint64_t* buckets, double sum);

  const std::string& text() const { return out_; }

 private:
  std::string family_;
  std::string out_;
};

// Counts an answer of the HTTP API by status (every answer goes through
// SendJson or SendText, http_server.h).
void CountHttpAnswer(int code);
// code -> answers so far.
std::vector<std::pair<int, uint64_t>> HttpAnswerCounts();

}  // namespace coyotes

#endif  // COYOTES_HTTP_METRICS_H_
