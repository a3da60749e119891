// The master: signals, the worker slot table, drain and fast stop, the
// router, lease keeping and recovery, and the HTTP API. It never runs a task.
//
// Slots, not pids, are the identity of workers (one per channel and index).
// A slot whose worker dies is refilled after RespawnPolicy's delay unless
// the daemon is stopping or the worker exited kExitConfig. States: kRunning
// -> kDraining (USR2/TERM/INT: workers finish their task and exit) ->
// kStopping (fast: a second TERM/INT or --shutdown-timeout; tasks are
// stopped and requeued). The master exits when no worker is left.
#ifndef COYOTES_DAEMON_MASTER_H_
#define COYOTES_DAEMON_MASTER_H_

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/event_loop.h"
#include "base/unique_fd.h"
#include "daemon/flags.h"
#include "daemon/pidfile.h"
#include "daemon/privileges.h"
#include "daemon/respawn_policy.h"
#include "daemon/router.h"
#include "daemon/scheduler.h"
#include "daemon/worker_board.h"
#include "http/auth.h"
#include "http/callback_sender.h"
#include "http/http_api.h"
#include "http/http_server.h"
#include "http/output_follow.h"
#include "http/stats_history.h"
#include "http/task_wait.h"
#include "store/async_redis.h"
#include "store/redis_keys.h"
#include "task/channel_settings.h"

namespace coyotes {

class Master : public DaemonView {
 public:
  Master(const Config& config, PidFile pidfile,
         std::map<std::string, ChannelSettings> channels);
  // --user: Start() drops to `who` once the HTTP port is bound, and every
  // worker runs as `who`.
  void set_run_as(const RunAs& who) { run_as_ = who; }
  // --http-token-file, read by main; HUP reads the file again.
  void set_tokens(TokenTable tokens) { tokens_ = std::move(tokens); }
  ~Master() override;

  // Binds HTTP, forks the workers, starts the router; kExitUsage when the
  // HTTP address cannot be bound.
  Status Start();
  // Runs the loop until the daemon has stopped; returns the exit status.
  int Run();

  // DaemonView.
  json_t* StatusJson() const override;
  void OnChannelCreated(const std::string& channel,
                        const std::string& settings) override;
  void OnChannelDeleted(const std::string& channel) override;
  void CancelRunning(const std::string& owner,
                     const std::string& task_id) override;
  void OnDelayed(double seconds) override { ArmPromote(seconds); }
  void WriteMetrics(MetricsText* out) const override;
  void OnScheduleStored() override {
    if (scheduler_) scheduler_->Poke();
  }
  Status CanRunAs(const std::string& user,
                  const std::string& group) const override;
  const ChannelSettings* Channel(const std::string& channel) const override {
    auto it = channels_.find(channel);
    return it == channels_.end() ? nullptr : &it->second;
  }

 private:
  enum class State { kRunning, kDraining, kStopping };
  struct Slot {
    std::string channel;
    int index = 0;
    pid_t pid = 0;
    std::string owner;
    UniqueFd control;  // write end: D, F
    UniqueFd status;   // read end: "due MS"
    std::unique_ptr<Event> status_ev;
    std::string status_buf;
    // The task the worker runs and its process group (0 / "" when idle).
    std::unique_ptr<WorkerBoard> board = std::make_unique<WorkerBoard>();
    std::chrono::steady_clock::time_point started;
    int quick_deaths = 0;
    bool retired = false;  // exited kExitConfig, or its channel is gone
    std::unique_ptr<Event> respawn_timer;
    uid_t uid = 0;     // the worker runs as
    std::string user;  // its name when known at the fork, else ""
  };

  void OnSignal(int sig);
  void ReapChildren();
  void OnWorkerExit(Slot* slot, int status);
  void Spawn(Slot* slot);
  Status DropRoot(const RunAs& who);
  // The name GET / shows for a slot's user.
  std::string WorkerUserName(const Slot& s) const;
  // The user a worker of a channel with `settings` runs as; when the
  // channel's user cannot be had, the daemon's, and *unavailable says why.
  RunAs WorkerUser(const ChannelSettings& settings,
                   std::string* unavailable) const;
  void ReadStatus(Slot* slot);
  void AddChannel(const std::string& name, const ChannelSettings& settings);
  void SendToWorkers(char command);
  void StartDrain(const std::string& why);
  void FastStop(const std::string& why);
  void MaybeFinish();
  // The end of the loop, once the last answers are sent.
  void Exit();
  // How long the HTTP server outlives the drain, to send the answers the
  // drain gave to requests still waiting.
  static constexpr double kAnswersFlushS = 0.2;
  void Tick();
  void RecoverOwner(const std::string& owner);
  void SyncChannels();
  // Delayed tasks: promote the due ones; ArmPromote wakes us at the next
  // due time (never later than it was already set for).
  void Promote();
  void ArmPromote(double seconds);
  int LiveWorkers() const;

  const Config& config_;
  PidFile pidfile_;
  RedisKeys keys_;
  EventBase base_;
  State state_ = State::kRunning;
  std::chrono::steady_clock::time_point started_;
  double started_unix_s_ = 0;  // process_start_time_seconds
  uint64_t worker_restarts_ = 0;
  std::map<std::string, ChannelSettings> channels_;
  std::optional<RunAs> run_as_;
  mutable std::map<uid_t, std::string> user_names_;  // WorkerUserName's cache
  std::optional<TokenTable> tokens_;
  std::vector<std::unique_ptr<Slot>> slots_;
  RespawnPolicy respawn_policy_;

  AsyncRedis redis_;  // API, ticks, recovery
  std::unique_ptr<Router> router_;
  // Schedules: this master fires the due times it sees first.
  std::unique_ptr<Scheduler> scheduler_;
  // --schedule-file: read at start (and checked by flags.cc) and on HUP.
  void LoadScheduleFile(bool at_start);
  // Completion callbacks: this master's share of the deliveries.
  std::unique_ptr<CallbackSender> callbacks_;
  bool router_stopped_ = false;
  // With HTTP: the requests that wait for a task's end (?wait=), with
  // their subscription to the task events.
  std::unique_ptr<TaskWaits> waits_;
  std::unique_ptr<OutputFollows> follows_;  // GET /tasks/ID/output?follow=1
  std::unique_ptr<HttpApi> api_;
  // With HTTP: the totals sampled for the dashboard's chart.
  std::unique_ptr<StatsSampler> stats_sampler_;
  std::unique_ptr<HttpServer> http_;
  std::vector<std::unique_ptr<Event>> signals_;
  Event tick_, exit_timer_, shutdown_timer_, kill_timer_, promote_timer_;
  std::chrono::steady_clock::time_point promote_at_;
  bool promoting_ = false;
  bool finished_ = false;
  bool said_ready_ = false;
};

}  // namespace coyotes

#endif  // COYOTES_DAEMON_MASTER_H_
