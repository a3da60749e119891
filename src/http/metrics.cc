#include "http/metrics.h"

#include <charconv>
#include <cmath>
#include <map>

namespace coyotes {
namespace {

std::map<int, uint64_t>& Answers() {
  static std::map<int, uint64_t> answers;  // the master is one thread
  return answers;
}

std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

void Escape(const std::string& v, std::string* out) {
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out->push_back('\\');
      out->push_back(c);
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

}  // namespace

void MetricsText::Family(const std::string& name, const char* type,
                         const char* help) {
  family_ = name;
  out_ +=
      "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void MetricsText::Sample(const Labels& labels, double value,
                         const char* suffix) {
  out_ += family_;
  out_ += suffix;
  if (!labels.empty()) {
    out_ += '{';
    for (size_t i = 0; i < labels.size(); i++) {
      if (i) out_ += ',';
      out_ += labels[i].first + "=\"";
      Escape(labels[i].second, &out_);
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += Number(value);
  out_ += '\n';
}

void MetricsText::Histogram(const Labels& labels, const double* bounds,
                            int n_bounds, const uint64_t* buckets, double sum) {
  uint64_t cumulative = 0;
  for (int i = 0; i <= n_bounds; i++) {
    cumulative += buckets[i];
    Labels l = labels;
    l.emplace_back("le", i < n_bounds ? Number(bounds[i]) : "+Inf");
    Sample(l, static_cast<double>(cumulative), "_bucket");
  }
  Sample(labels, sum, "_sum");
  Sample(labels, static_cast<double>(cumulative), "_count");
}

void CountHttpAnswer(int code) { Answers()[code]++; }

std::vector<std::pair<int, uint64_t>> HttpAnswerCounts() {
  return {Answers().begin(), Answers().end()};
}

}  // namespace coyotes
