// Merging a figure's rounds; see report_merge.h.
#include "report_merge.h"

#include <cmath>

#include "bench_util.h"

namespace bench {

double Num(json_t* o, const char* key) {
  json_t* v = json_object_get(o, key);
  return json_is_number(v) ? json_number_value(v) : std::nan("");
}

std::vector<json_t*> MergeRounds(const std::string& name,
                                 const std::vector<json_t*>& lines) {
  json_t* last = lines.back();
  const char* unit = json_string_value(json_object_get(last, "unit"));
  json_t* merged = json_deep_copy(last);
  json_object_del(merged, "round");
  if (json_object_get(last, "samples_ms")) {
    std::vector<double> ms;
    long long errors = 0;
    for (json_t* l : lines) {
      size_t i;
      json_t* v;
      json_array_foreach(json_object_get(l, "samples_ms"), i, v)
          ms.push_back(json_number_value(v));
      errors += json_integer_value(json_object_get(l, "errors"));
    }
    json_decref(merged);
    std::vector<json_t*> out;
    for (int p : {50, 99}) {
      json_t* o = bench::Figure(name + "_p" + std::to_string(p),
                                bench::Percentile(ms, p), "ms");
      json_object_del(o, "round");
      bench::SetInt(o, "samples", static_cast<long long>(ms.size()));
      bench::SetInt(o, "errors", errors);
      bench::SetNum(o, "max_ms", bench::Percentile(ms, 100));
      bench::SetInt(o, "rounds", static_cast<long long>(lines.size()));
      out.push_back(o);
    }
    return out;
  }
  if (unit && std::string(unit) == "tasks/s") {
    double n = 0, secs = 0, push = 0;
    long long failed = 0, http_errors = 0;
    bool complete = true;
    json_t* rates = json_array();
    std::string errors;
    for (json_t* l : lines) {
      double r = Num(l, "value");
      if (!std::isfinite(r)) complete = false;
      json_array_append_new(rates,
                            std::isfinite(r) ? json_real(r) : json_null());
      n += Num(l, "n");
      secs += Num(l, "seconds");
      if (std::isfinite(Num(l, "push_seconds"))) push += Num(l, "push_seconds");
      failed += json_integer_value(json_object_get(l, "failed")) +
                json_integer_value(json_object_get(l, "failures"));
      http_errors += json_integer_value(json_object_get(l, "http_errors"));
      const char* e = json_string_value(json_object_get(l, "error"));
      if (e) errors += (errors.empty() ? "" : "; ") + std::string(e);
    }
    bench::SetNum(merged, "value", complete ? n / secs : NAN);
    bench::SetInt(merged, "n", static_cast<long long>(n));
    bench::SetNum(merged, "seconds", secs);
    if (json_object_get(merged, "push_seconds"))
      bench::SetNum(merged, "push_seconds", push);
    if (json_object_get(merged, "failed"))
      bench::SetInt(merged, "failed", failed);
    if (json_object_get(merged, "failures"))
      bench::SetInt(merged, "failures", failed);
    if (json_object_get(merged, "http_errors"))
      bench::SetInt(merged, "http_errors", http_errors);
    if (!errors.empty()) bench::SetStr(merged, "error", errors);
    json_object_set_new(merged, "rounds", rates);
    // CPU: totals summed over the rounds, and per task.
    json_t* total = json_object();
    for (json_t* l : lines) {
      const char* k;
      json_t* v;
      json_object_foreach(json_object_get(l, "cpu_ms_total"), k, v) {
        double have = Num(total, k);
        bench::SetNum(total, k,
                      (std::isfinite(have) ? have : 0) + json_number_value(v));
      }
    }
    json_object_del(merged, "cpu_ms_total");
    if (json_object_size(total) > 0) {
      json_t* per = json_object();
      const char* k;
      json_t* v;
      json_object_foreach(total, k, v)
          bench::SetNum(per, k, json_number_value(v) / n);
      json_object_set_new(merged, "cpu_ms_per_task", per);
    }
    json_decref(total);
    return {merged};
  }
  if (name == "redis_all_cmds_per_task") {
    long long tasks = 0, cmds = 0;
    json_t* by = json_object();
    for (json_t* l : lines) {
      tasks += json_integer_value(json_object_get(l, "tasks"));
      cmds += json_integer_value(json_object_get(l, "commands"));
      const char* k;
      json_t* v;
      json_object_foreach(json_object_get(l, "by_command"), k, v) {
        long long have = json_integer_value(json_object_get(by, k));
        json_object_set_new(by, k, json_integer(have + json_integer_value(v)));
      }
    }
    bench::SetNum(merged, "value",
                  tasks ? static_cast<double>(cmds) / tasks : NAN);
    bench::SetInt(merged, "tasks", tasks);
    bench::SetInt(merged, "commands", cmds);
    json_object_set_new(merged, "by_command", by);
    bench::SetInt(merged, "rounds", static_cast<long long>(lines.size()));
    return {merged};
  }
  return {merged};
}

}  // namespace bench
