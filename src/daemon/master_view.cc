// What the master shows of itself: GET / (StatusJson) and this daemon's
// families of GET /metrics (WriteMetrics), read from the slot table and
// the workers' boards, never from the workers themselves.
#include <unistd.h>

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/proc_usage.h"
#include "daemon/master.h"
#include "daemon/privileges.h"
#include "http/metrics.h"

namespace coyotes {

std::string Master::WorkerUserName(const Slot& s) const {
  if (!s.user.empty()) return s.user;
  // Looked up here, on a status request, not at the fork (CurrentIds).
  auto [it, added] = user_names_.try_emplace(s.uid);
  if (added) it->second = UserName(s.uid);
  return it->second.empty() ? std::to_string(s.uid) : it->second;
}

void Master::WriteMetrics(MetricsText* out) const {
  // The work of this daemon's workers, summed per channel over its slots
  // (each slot's board outlives the workers that fill it).
  std::map<std::string, WorkerBoard::Counts> work;
  std::map<std::string, std::pair<int, int>> states;  // idle, busy
  for (const auto& s : slots_) {
    work[s->channel].Add(s->board->counts());
    auto& st = states[s->channel];
    if (s->pid > 0) (s->board->task_id().empty() ? st.first : st.second)++;
  }
  out->Family("coyotes_tasks_total", "counter",
              "Task runs this daemon's workers ended since it started, by "
              "outcome.");
  for (const auto& [chan, c] : work)
    for (int o = 0; o < WorkerBoard::kOutcomes; o++)
      out->Sample({{"channel", chan}, {"outcome", WorkerBoard::OutcomeName(o)}},
                  static_cast<double>(c.outcomes[o]));
  out->Family("coyotes_task_duration_seconds", "histogram",
              "How long task runs of this daemon took, spawn to end.");
  for (const auto& [chan, c] : work)
    out->Histogram({{"channel", chan}}, WorkerBoard::kBuckets,
                   WorkerBoard::kNumBuckets, c.duration.buckets,
                   c.duration.sum_s);
  out->Family("coyotes_task_wait_seconds", "histogram",
              "How long tasks waited from their due time to their start on "
              "this daemon.");
  for (const auto& [chan, c] : work)
    out->Histogram({{"channel", chan}}, WorkerBoard::kBuckets,
                   WorkerBoard::kNumBuckets, c.wait.buckets, c.wait.sum_s);
  out->Family("coyotes_workers", "gauge",
              "This daemon's live workers, by channel and state.");
  for (const auto& [chan, st] : states) {
    out->Sample({{"channel", chan}, {"state", "idle"}}, st.first);
    out->Sample({{"channel", chan}, {"state", "busy"}}, st.second);
  }
  out->Family("coyotes_worker_restarts_total", "counter",
              "Workers this daemon restarted after they died.");
  out->Sample({}, static_cast<double>(worker_restarts_));
  out->Family("coyotes_callbacks_total", "counter",
              "Completion callback tries of this daemon, by result.");
  CallbackSender::Counts cb =
      callbacks_ ? callbacks_->counts() : CallbackSender::Counts();
  out->Sample({{"result", "delivered"}}, static_cast<double>(cb.delivered));
  out->Sample({{"result", "error"}}, static_cast<double>(cb.errors));
  out->Sample({{"result", "given_up"}}, static_cast<double>(cb.given_up));
  out->Family("coyotes_build_info", "gauge", "The running version.");
  out->Sample({{"version", kVersion}}, 1);
  out->Family("process_start_time_seconds", "gauge",
              "When the master started, Unix seconds.");
  out->Sample({}, started_unix_s_);
  // The master and its workers (not the tasks: they are the users' own).
  uint64_t rss = 0;
  double cpu = 0;
  int fds = 0;
  std::vector<pid_t> pids = {getpid()};
  for (const auto& s : slots_)
    if (s->pid > 0) pids.push_back(s->pid);
  for (pid_t p : pids) {
    if (auto u = ReadProcUsage(p)) {
      rss += u->rss_bytes;
      cpu += u->cpu_s;
      fds += u->fds.value_or(0);
    }
  }
  out->Family("process_resident_memory_bytes", "gauge",
              "Resident memory of the master and its workers.");
  out->Sample({}, static_cast<double>(rss));
  out->Family("process_cpu_seconds_total", "counter",
              "CPU time of the master and its live workers.");
  out->Sample({}, cpu);
  out->Family("process_open_fds", "gauge",
              "Open descriptors of the master and the workers it may "
              "inspect.");
  out->Sample({}, fds);
}

json_t* Master::StatusJson() const {
  json_t* d = json_object();
  json_object_set_new(d, "version", json_string(kVersion));
  json_object_set_new(d, "pid", json_integer(getpid()));
  json_object_set_new(d, "uptime_s",
                      json_integer(static_cast<json_int_t>(
                          std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - started_)
                              .count())));
  json_object_set_new(d, "state",
                      json_string(state_ == State::kRunning    ? "running"
                                  : state_ == State::kDraining ? "draining"
                                                               : "stopping"));
  json_t* workers = json_array();
  for (const auto& s : slots_) {
    json_t* w = json_object();
    json_object_set_new(w, "pid",
                        s->pid > 0 ? json_integer(s->pid) : json_null());
    json_object_set_new(w, "channel", json_string(s->channel.c_str()));
    json_object_set_new(w, "index", json_integer(s->index));
    json_object_set_new(w, "user", json_string(WorkerUserName(*s).c_str()));
    std::string task_id = s->pid > 0 ? s->board->task_id() : "";
    const char* st = s->pid <= 0       ? (s->retired ? "retired" : "restarting")
                     : task_id.empty() ? "idle"
                                       : "running";
    json_object_set_new(w, "state", json_string(st));
    json_object_set_new(
        w, "task_id",
        task_id.empty() ? json_null() : json_string(task_id.c_str()));
    json_array_append_new(workers, w);
  }
  json_object_set_new(d, "workers", workers);
  if (callbacks_) {
    const auto& c = callbacks_->counts();
    json_t* cb = json_object();
    json_object_set_new(cb, "in_flight", json_integer(callbacks_->in_flight()));
    json_object_set_new(cb, "delivered",
                        json_integer(static_cast<json_int_t>(c.delivered)));
    json_object_set_new(cb, "errors",
                        json_integer(static_cast<json_int_t>(c.errors)));
    json_object_set_new(cb, "given_up",
                        json_integer(static_cast<json_int_t>(c.given_up)));
    json_object_set_new(d, "callbacks", cb);
  }
  return d;
}

}  // namespace coyotes
