// The table of targets; see report.h. The targets and their thresholds
// are bench/README.md's "Targets" table: change both together.
#include "report.h"

#include <jansson.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "report_merge.h"

namespace bench {

namespace {

struct Target {
  std::string name, label, unit, goal;
  double value = NAN;
  bool met = false;
  bool known = false;
  std::string coyotes, reference;
  std::vector<double>
      per_round;  // paired ratios, when the value is their median
};

std::string Fmt(double v, const char* fmt) {
  if (!std::isfinite(v)) return "n/a";
  char b[64];
  std::snprintf(b, sizeof(b), fmt, v);
  return b;
}

}  // namespace

int Report(const bench::Args& args) {
  const std::string path = args.Need("in");
  const std::string out_path = args.Str("out");
  std::vector<std::string> order;
  std::map<std::string, std::vector<json_t*>> raw;
  {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      json_error_t err;
      json_t* o = json_loads(line.c_str(), 0, &err);
      if (!o) continue;
      const char* f = json_string_value(json_object_get(o, "figure"));
      if (!f) {
        json_decref(o);
        continue;
      }
      if (!raw.count(f)) order.push_back(f);
      raw[f].push_back(o);
    }
  }
  std::ofstream out;
  if (!out_path.empty()) out.open(out_path, std::ios::app);
  auto write = [&](json_t* o) {
    if (out.is_open()) {
      char* s = json_dumps(
          o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
      out << s << "\n";
      std::free(s);
    }
  };
  std::map<std::string, json_t*> fig;
  for (const std::string& name : order) {
    for (json_t* m : MergeRounds(name, raw[name])) {
      const char* f = json_string_value(json_object_get(m, "figure"));
      fig[f] = m;
      write(m);
      json_incref(m);
      bench::Emit(m);
    }
    for (json_t* l : raw[name]) json_decref(l);
  }
  auto val = [&](const std::string& f) {
    auto it = fig.find(f);
    if (it == fig.end()) return std::nan("");
    json_t* v = json_object_get(it->second, "value");
    return json_is_number(v) ? json_number_value(v) : std::nan("");
  };
  auto field = [&](const std::string& f, const char* k) {
    auto it = fig.find(f);
    if (it == fig.end()) return std::nan("");
    json_t* v = json_object_get(it->second, k);
    return json_is_number(v) ? json_number_value(v) : std::nan("");
  };
  // A figure's per-round rates; empty unless every round has one.
  auto rounds = [&](const std::string& f) {
    std::vector<double> r;
    auto it = fig.find(f);
    json_t* a =
        it == fig.end() ? nullptr : json_object_get(it->second, "rounds");
    for (size_t i = 0; json_is_array(a) && i < json_array_size(a); i++) {
      json_t* v = json_array_get(a, i);
      if (!json_is_number(v) || !(json_number_value(v) > 0))
        return std::vector<double>();
      r.push_back(json_number_value(v));
    }
    return r;
  };

  std::vector<Target> rows;
  auto ratio = [&](const std::string& name, const std::string& label,
                   const std::string& mine, const std::string& ref, double goal,
                   bool target) {
    Target t;
    t.name = name;
    t.label = label;
    t.unit = "ratio";
    double a = val(mine), b = val(ref);
    t.value = a / b;
    // With rounds, each round's ratio (its daemon run over the ceiling
    // run next to it), and their median: a round that the host's other
    // work slowed on one side only then moves the figure least.
    std::vector<double> ra = rounds(mine), rb = rounds(ref);
    if (ra.size() >= 2 && ra.size() == rb.size() && std::isfinite(t.value)) {
      for (size_t i = 0; i < ra.size(); i++)
        t.per_round.push_back(ra[i] / rb[i]);
      std::vector<double> sorted = t.per_round;
      std::sort(sorted.begin(), sorted.end());
      size_t m = sorted.size() / 2;
      t.value = sorted.size() % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }
    t.coyotes = Fmt(a, "%.0f/s");
    t.reference = Fmt(b, "%.0f/s");
    t.known = std::isfinite(t.value);
    t.met = t.known && t.value >= goal;
    t.goal = target ? ">= " + Fmt(goal * 100, "%.0f%%") : "";
    rows.push_back(t);
  };
  auto delta = [&](const std::string& name, const std::string& label,
                   const std::string& mine, const std::string& ref, double goal,
                   bool target) {
    Target t;
    t.name = name;
    t.label = label;
    t.unit = "ms";
    double a = val(mine), b = val(ref);
    t.value = a - b;
    t.coyotes = Fmt(a, "%.2f ms");
    t.reference = Fmt(b, "%.2f ms");
    t.known = std::isfinite(t.value);
    t.met = t.known && t.value <= goal;
    t.goal = target ? "<= +" + Fmt(goal, "%.1f ms") : "";
    rows.push_back(t);
  };

  ratio("throughput_simple", "throughput, simple command", "throughput_simple",
        "ceiling_direct", 0.85, true);
  ratio("throughput_shell", "throughput, shell command", "throughput_shell",
        "ceiling_sh_and", 0.85, true);
  delta("latency_p50", "latency p50 (LPUSH)", "latency_redis_p50",
        "ceiling_latency_direct_p50", 0.5, true);
  delta("latency_p99", "latency p99 (LPUSH)", "latency_redis_p99",
        "ceiling_latency_direct_p99", 2.0, true);
  {
    Target t;
    t.name = "redis_client_cmds";
    t.label = "Redis client commands/task";
    t.unit = "commands/task";
    t.value = val("redis_client_cmds_per_task");
    t.coyotes = Fmt(t.value, "%.2f");
    t.reference = "-";
    t.known = std::isfinite(t.value);
    t.met = t.known && t.value <= 4.0;
    t.goal = "<= 4";
    rows.push_back(t);
  }
  {
    Target t;
    t.name = "memory";
    t.label = "memory master+workers (RSS)";
    t.unit = "MB";
    double q = val("memory_queued"), s = val("memory_1000"),
           g = val("memory_growth");
    if (!std::isfinite(s)) s = q;
    t.value = q;
    t.coyotes = Fmt(q, "%.1f MB");
    t.reference = Fmt(s, "%.1f MB") + " @1k";
    t.known = std::isfinite(q) && std::isfinite(g);
    t.met = t.known && q <= 20.0 && g <= 1.0;
    t.goal = "<= 20 MB, +<= 1 MB";
    rows.push_back(t);
  }
  ratio("http_post_vs_get", "HTTP POST rate vs GET /", "http_post_rate",
        "http_get_rate", 0.5, true);
  for (int p : {50, 99}) {
    Target t;
    t.name = "promotion_p" + std::to_string(p);
    t.label = "delayed promotion lateness p" + std::to_string(p);
    t.unit = "ms";
    t.value = val("promotion_lateness_p" + std::to_string(p));
    t.coyotes = Fmt(t.value, "%.1f ms");
    t.reference = "due time";
    t.known = std::isfinite(t.value);
    t.met = t.known && t.value <= 50.0;
    t.goal = "<= 50 ms";
    rows.push_back(t);
  }
  {
    Target t;
    t.name = "metrics_scrape_p50";
    t.label = "GET /metrics, 1,000 channels, p50";
    t.unit = "ms";
    t.value = val("metrics_scrape_p50");
    t.coyotes = Fmt(t.value, "%.2f ms");
    t.reference = Fmt(val("metrics_redis_calls"), "%.2f calls");
    t.known = std::isfinite(t.value);
    t.met = t.known && t.value < 10.0;
    t.goal = "< 10 ms";
    rows.push_back(t);
  }
  const size_t ntargets = rows.size();
  // Context, not targets.
  ratio("info_simple_vs_sh", "  simple command vs sh -c ceiling",
        "throughput_simple", "ceiling_sh", 0, false);
  ratio("info_argv", "  argv task (no shell) vs direct", "throughput_argv",
        "ceiling_direct", 0, false);
  ratio("info_http", "  HTTP-submitted vs direct", "throughput_http",
        "ceiling_direct", 0, false);
  ratio("info_two_channels", "  two channels vs direct at 2C",
        "throughput_two_channels", "ceiling_direct_2c", 0, false);
  delta("info_latency_sh_p50", "  latency p50 vs sh -c ceiling",
        "latency_redis_p50", "ceiling_latency_sh_p50", 0, false);
  delta("info_latency_http_p50", "  latency p50 (HTTP POST)",
        "latency_http_p50", "ceiling_latency_direct_p50", 0, false);
  delta("info_latency_http_p99", "  latency p99 (HTTP POST)",
        "latency_http_p99", "ceiling_latency_direct_p99", 0, false);
  delta("info_post_wait_p50", "  POST ?wait=1 of true, p50, vs LPUSH",
        "latency_post_wait_p50", "latency_redis_p50", 0, false);
  // The same daemon with --redis-host=unix:PATH, in the same rounds.
  ratio("info_unix_simple", "  simple command, Unix socket vs TCP",
        "throughput_simple_unix", "throughput_simple", 0, false);
  delta("info_unix_latency_p50", "  latency p50, Unix socket vs TCP",
        "latency_redis_unix_p50", "latency_redis_p50", 0, false);
  delta("info_unix_latency_p99", "  latency p99, Unix socket vs TCP",
        "latency_redis_unix_p99", "latency_redis_p99", 0, false);

  const char* cpu_model =
      fig.count("machine")
          ? json_string_value(json_object_get(fig["machine"], "cpu"))
          : nullptr;
  std::printf(
      "\nmachine: %s CPUs (%s); before the bench: load average %s, CPU "
      "pressure %s%% (avg60)\n",
      Fmt(val("machine"), "%.0f").c_str(), cpu_model ? cpu_model : "?",
      Fmt(field("machine", "loadavg1"), "%.2f").c_str(),
      Fmt(field("machine", "cpu_pressure_avg60"), "%.1f").c_str());
  if (field("machine", "loadavg1") > 0.5 ||
      field("machine", "cpu_pressure_avg60") > 5)
    std::printf(
        "note: the machine was busy before the bench began; every figure "
        "below is skewed by that other work\n");
  std::printf("\n%-34s %12s %14s %10s  %-20s %s\n", "figure", "coyotes",
              "reference", "ratio", "target", "result");
  std::printf("%s\n", std::string(100, '-').c_str());
  for (size_t i = 0; i < rows.size(); i++) {
    const Target& t = rows[i];
    if (i == ntargets) std::printf("context (no target):\n");
    std::string r = t.unit == "ratio" ? Fmt(t.value * 100, "%.1f%%")
                    : t.unit == "ms"  ? Fmt(t.value, "%+.2f ms")
                    : t.unit == "MB"  ? Fmt(val("memory_growth"), "%+.2f MB")
                                      : Fmt(t.value, "%.2f");
    const char* result = i >= ntargets ? ""
                         : !t.known    ? "n/a"
                         : t.met       ? "PASS"
                                       : "MISS";
    std::printf("%-34s %12s %14s %10s  %-20s %s\n", t.label.c_str(),
                t.coyotes.c_str(), t.reference.c_str(), r.c_str(),
                t.goal.c_str(), result);
  }
  for (size_t i = 0; i < ntargets; i++) {
    if (rows[i].per_round.empty()) continue;
    std::string r;
    for (double x : rows[i].per_round) r += " " + Fmt(x * 100, "%.1f%%");
    std::printf("  %s: ratio per round%s (the median is shown)\n",
                rows[i].label.c_str(), r.c_str());
  }
  std::printf("%-34s %12s %14s\n", "  Redis commands/task, Lua incl.",
              Fmt(val("redis_all_cmds_per_task"), "%.2f").c_str(), "-");
  std::printf("%-34s %12s %14s\n", "  HTTP p99 GET / | POST",
              Fmt(field("http_get_rate", "p99_ms"), "%.2f ms").c_str(),
              Fmt(field("http_post_rate", "p99_ms"), "%.2f ms").c_str());
  std::printf("%-34s %12s %14s\n", "  POSTed tasks dealt - 2xx",
              Fmt(val("http_post_accounted"), "%.0f").c_str(), "0..conns");
  auto cpu = [&](const std::string& f, const char* k) {
    auto it = fig.find(f);
    if (it == fig.end()) return std::nan("");
    return Num(json_object_get(it->second, "cpu_ms_per_task"), k);
  };
  for (const auto& [label, mine, ref] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"simple", "throughput_simple", "ceiling_direct"},
           {"simple, unix socket", "throughput_simple_unix", "ceiling_direct"},
           {"shell", "throughput_shell", "ceiling_sh_and"}}) {
    std::printf(
        "  CPU ms/task, %s: coyotes task %s + master %s + workers %s + "
        "redis %s; ceiling task %s + spawner %s\n",
        label.c_str(), Fmt(cpu(mine, "tasks"), "%.2f").c_str(),
        Fmt(cpu(mine, "master"), "%.2f").c_str(),
        Fmt(cpu(mine, "workers"), "%.2f").c_str(),
        Fmt(cpu(mine, "redis"), "%.2f").c_str(),
        Fmt(cpu(ref, "tasks"), "%.2f").c_str(),
        Fmt(cpu(ref, "spawner"), "%.2f").c_str());
  }
  std::printf(
      "%-34s %12s %14s\n", "  memory master+workers (PSS)",
      Fmt(field("memory_queued", "pss_mb"), "%.1f MB").c_str(),
      (Fmt(field("memory_1000", "pss_mb"), "%.1f MB") + " @1k").c_str());
  std::printf("%-34s %12s %14s\n", "  requests waiting (?wait=) | answered",
              Fmt(field("wait_many", "waiting_seen"), "%.0f").c_str(),
              Fmt(val("wait_many"), "%.0f").c_str());
  std::printf(
      "%-34s %12s %14s\n", "  Redis cmds/waiter | master RSS",
      Fmt(field("wait_many", "redis_cmds_per_waiter"), "%.2f").c_str(),
      (Fmt(field("wait_many", "master_rss_mb_before"), "%.1f") + " -> " +
       Fmt(field("wait_many", "master_rss_mb_waiting"), "%.1f MB"))
          .c_str());
  std::printf("%-34s %12s %14s\n", "  peak RSS after load (sum HWM)",
              Fmt(field("memory_after_load", "hwm_mb"), "%.1f MB").c_str(),
              "-");
  std::printf("\n");

  for (size_t i = 0; i < ntargets; i++) {
    const Target& t = rows[i];
    json_t* o = bench::Figure("target_" + t.name, t.value, t.unit);
    bench::SetStr(o, "label", t.label);
    bench::SetStr(o, "target", t.goal);
    json_object_set_new(o, "met", t.known ? json_boolean(t.met) : json_null());
    if (!t.per_round.empty()) {
      json_t* a = json_array();
      for (double x : t.per_round) json_array_append_new(a, json_real(x));
      json_object_set_new(o, "per_round", a);
      bench::SetStr(o, "method", "median of per-round ratios");
    }
    write(o);
    bench::Emit(o);
  }
  for (auto& [k, v] : fig) json_decref(v);
  return 0;
}

}  // namespace bench
