#include "daemon/master.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "base/channel_name.h"
#include "base/exit_status.h"
#include "base/host_name.h"
#include "base/json_util.h"
#include "base/log.h"
#include "base/wall_clock.h"
#include "daemon/process.h"
#include "daemon/worker.h"
#include "store/scripts.h"
#include "task/task_codec.h"
#include "task/task_executor.h"

namespace coyotes {

namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string RandomSuffix() {
  unsigned int r = 0;
  if (getrandom(&r, sizeof(r), 0) != sizeof(r)) r = getpid() * 2654435761u;
  char buf[16];
  snprintf(buf, sizeof(buf), "%08x", r);
  return buf;
}

std::string Str(const redisReply* r) {
  return r && r->type == REDIS_REPLY_STRING ? std::string(r->str, r->len)
                                            : std::string();
}

}  // namespace

Master::Master(const Config& config, PidFile pidfile,
               std::map<std::string, ChannelSettings> channels)
    : config_(config),
      pidfile_(std::move(pidfile)),
      keys_(config.key_namespace),
      started_(std::chrono::steady_clock::now()),
      redis_(&base_, RedisTargetOf(config), "master"),
      tick_(&base_, -1, 0, [this](short) { Tick(); }),
      exit_timer_(&base_, -1, 0, [this](short) { Exit(); }),
      shutdown_timer_(
          &base_, -1, 0,
          [this](short) { FastStop("--shutdown-timeout expired"); }),
      kill_timer_(&base_, -1, 0,
                  [this](short) {
                    // Workers that did not leave after a fast stop: end them
                    // and the tasks they hold. Their tasks stay in their
                    // in-progress lists and are recovered by the next start (or
                    // another daemon).
                    for (auto& s : slots_) {
                      if (s->pid <= 0) continue;
                      LOGR(WARNING)
                          << "worker " << s->channel << "/" << s->index
                          << " pid " << s->pid << " ignored the fast stop; "
                          << "killing it";
                      pid_t pgid = s->board->pgid();
                      if (pgid > 1) killpg(pgid, SIGKILL);
                      kill(s->pid, SIGKILL);
                    }
                  }),
      promote_timer_(&base_, -1, 0, [this](short) { Promote(); }) {
  for (auto& [name, settings] : channels) channels_[name] = settings;
  started_unix_s_ = WallMs() / 1000.0;
}

Master::~Master() = default;

RunAs Master::WorkerUser(const ChannelSettings& settings,
                         std::string* unavailable) const {
  RunAs daemon = run_as_ ? *run_as_ : CurrentIds();
  if (settings.user.empty()) return daemon;
  std::string spec = settings.user;
  if (!settings.group.empty()) spec += ":" + settings.group;
  Status allowed = CanRunAs(settings.user, settings.group);
  if (!allowed.ok()) {
    // The worker still runs, as the daemon's user, to fail each task with
    // this reason: the channel's tasks must not run as anyone else.
    *unavailable = allowed.message();
    return daemon;
  }
  return ResolveRunAs(spec).value();
}

Status Master::CanRunAs(const std::string& user,
                        const std::string& group) const {
  std::string spec = group.empty() ? user : user + ":" + group;
  auto who = ResolveRunAs(spec);
  if (!who.ok())
    return InvalidArgument("user " + spec + ": " + who.status().message());
  // Root (no --user) may become anyone; otherwise only what we are.
  if (geteuid() != 0 && (who->uid != geteuid() || who->gid != getegid())) {
    RunAs me = CurrentUser();
    return InvalidArgument("user " + spec + ": the daemon runs as " + me.user +
                           ":" + me.group +
                           " and cannot run tasks as another user or group");
  }
  return Status::Ok();
}

Status Master::DropRoot(const RunAs& who) {
  if (!FLAGS_log_dir.empty()) {
    // Log files are opened again on HUP, and glog opens a severity's file
    // at its first line: the directory must stay writable after the drop.
    // Checked with the new ids before it is too late to say so clearly.
    Status writable = Status::Ok();
    if (setegid(who.gid) != 0 || seteuid(who.uid) != 0)
      writable = Status::Errno("--user: trying the ids of " + who.user, errno);
    else if (faccessat(AT_FDCWD, FLAGS_log_dir.c_str(), W_OK | X_OK,
                       AT_EACCESS) != 0)
      writable = InvalidArgument("--log_dir " + FLAGS_log_dir +
                                 ": not writable by --user " + who.user);
    if (seteuid(0) != 0 || setegid(0) != 0)
      return Status::Errno("--user: back to root to drop for good", errno);
    if (!writable.ok()) return writable;
  }
  Status s = DropPrivileges(who);
  if (!s.ok()) return s.Annotate("--user " + who.user);
  LOGR(INFO) << "running as user=" << who.user << " group=" << who.group;
  return Status::Ok();
}

Status Master::Start() {
  signal(SIGPIPE, SIG_IGN);
  for (int sig : {SIGUSR2, SIGTERM, SIGINT, SIGHUP, SIGCHLD}) {
    signals_.push_back(
        std::make_unique<Event>(&base_, sig, EV_SIGNAL | EV_PERSIST,
                                [this, sig](short) { OnSignal(sig); }));
    signals_.back()->Add();
  }
  std::string http = "off";
  if (!config_.http_addr_text.empty()) {
    waits_ = std::make_unique<TaskWaits>(
        &base_, &redis_, keys_,
        std::make_unique<EventSubscriber>(&base_, RedisTargetOf(config_),
                                          keys_.Events(),
                                          [this] { return redis_.current(); }),
        config_.redis_wait_s);
    follows_ = std::make_unique<OutputFollows>(&base_, &redis_, keys_,
                                               config_.redis_wait_s);
    api_ = std::make_unique<HttpApi>(config_, keys_, &redis_, this,
                                     waits_.get(), follows_.get());
    stats_sampler_ = std::make_unique<StatsSampler>(&base_, &redis_, keys_);
    api_->set_stats_history(&stats_sampler_->history());
    if (tokens_) {
      api_->SetTokens(std::move(*tokens_), config_.http_token_file);
      tokens_.reset();
    }
    // evhttp refuses bodies over its own limit with a page of its own; ours
    // is checked when a handler reads the body (ReadForm in
    // http/api_common.h), so that most refusals get the JSON envelope.
    auto server = HttpServer::Listen(
        &base_, config_.http_addr, config_.http_max_body * 4 + 65536,
        [this](evhttp_request* req) { api_->Handle(req); });
    if (!server.ok()) {
      pidfile_.Remove();
      return server.status();
    }
    http_ = std::move(server.value());
    http = http_->bound().ToString();
  }
  // Everything that needs root is done: the pidfile is locked, the port
  // bound, the secret files read. From here on the master is --user.
  if (run_as_) {
    Status dropped = DropRoot(*run_as_);
    if (!dropped.ok()) {
      pidfile_.Remove();
      return dropped;
    }
  }

  router_ = std::make_unique<Router>(&base_, config_, keys_,
                                     "router/" + HostName() + "/" +
                                         std::to_string(getpid()) + "/" +
                                         RandomSuffix());
  router_->set_on_channel_created(
      [this](const std::string& name) { OnChannelCreated(name, ""); });
  router_->set_on_delayed([this](double s) { ArmPromote(s); });
  router_->set_channel_lookup(
      [this](const std::string& name) { return Channel(name); });
  router_->Start();

  redis_.set_replica_wait(config_.redis_wait_replicas,
                          config_.redis_wait_timeout_ms, keys_.Stats());
  redis_.Start();
  ArmPromote(0.1);
  callbacks_ = std::make_unique<CallbackSender>(
      &base_, &redis_, keys_, config_, std::string("coyotes/") + kVersion);
  callbacks_->Start();
  if (stats_sampler_) stats_sampler_->Start();
  scheduler_ = std::make_unique<Scheduler>(
      &base_, &redis_, keys_, config_,
      [this](const std::string& name) { return Channel(name); });
  scheduler_->set_on_channel_created(
      [this](const std::string& name) { OnChannelCreated(name, ""); });
  scheduler_->Start();
  LoadScheduleFile(true);
  auto channels = channels_;
  channels_.clear();
  for (auto& [name, settings] : channels) AddChannel(name, settings);
  tick_.ArmTimer(std::min(1.0, config_.lease_ttl_s / 3));
  // "coyotes ready" (a line scripts and tests wait for) is said once the
  // API's Redis connection is up, so that a request right after it works.
  redis_.set_on_ready([this, http] {
    if (said_ready_) return;
    said_ready_ = true;
    LOGR(INFO) << "coyotes ready pid=" << getpid() << " http=" << http
               << " redis=" << redis_.addr() << " channels=" << channels_.size()
               << " workers=" << LiveWorkers()
               << (config_.task_mode ? "" : " task-mode=off");
  });
  return Status::Ok();
}

int Master::Run() {
  base_.Dispatch();
  return kExitOk;
}

void Master::OnSignal(int sig) {
  switch (sig) {
    case SIGCHLD:
      ReapChildren();
      return;
    case SIGHUP:
      LOGR(INFO) << "SIGHUP: reopening log files";
      ReopenLogFiles();
      if (api_) api_->ReloadTokens();
      LoadScheduleFile(false);
      return;
    case SIGUSR2:
      if (state_ == State::kRunning)
        StartDrain("SIGUSR2");
      else
        LOGR(INFO) << "SIGUSR2: already stopping";
      return;
    default:  // TERM, INT
      if (state_ == State::kRunning)
        StartDrain(SignalName(sig));
      else if (state_ == State::kDraining)
        FastStop("second " + SignalName(sig));
      return;
  }
}

void Master::AddChannel(const std::string& name,
                        const ChannelSettings& settings) {
  if (channels_.count(name)) return;
  channels_[name] = settings;
  LOGR(INFO) << "channel " << name << " workers=" << settings.workers
             << " distinct=" << (settings.distinct ? "true" : "false");
  if (!config_.task_mode || state_ != State::kRunning) return;
  for (int i = 0; i < settings.workers; i++) {
    auto slot = std::make_unique<Slot>();
    slot->channel = name;
    slot->index = i;
    slot->respawn_timer = std::make_unique<Event>(
        &base_, -1, 0, [this, s = slot.get()](short) { Spawn(s); });
    Spawn(slot.get());
    slots_.push_back(std::move(slot));
  }
}

void Master::OnChannelCreated(const std::string& channel,
                              const std::string& settings) {
  AddChannel(channel, ParseChannelSettings(settings, config_.concurrent));
}

void Master::OnChannelDeleted(const std::string& channel) {
  if (channels_.erase(channel) == 0) return;
  LOGR(INFO) << "channel " << channel << " deleted; its workers drain";
  for (auto& s : slots_) {
    if (s->channel != channel || s->retired) continue;
    s->retired = true;
    s->respawn_timer->Del();
    if (s->pid > 0 && s->control.valid() &&
        write(s->control.get(), "D", 1) != 1)
      kill(s->pid, SIGUSR2);
  }
}

void Master::CancelRunning(const std::string& owner,
                           const std::string& task_id) {
  for (auto& s : slots_) {
    if (s->pid <= 0 || !s->control.valid()) continue;
    if (s->owner != owner && s->board->task_id() != task_id) continue;
    std::string msg = "C" + task_id + "\n";
    // Short of PIPE_BUF: written whole or not at all. If not, the worker
    // still learns of the cancel at its next lease renewal.
    if (write(s->control.get(), msg.data(), msg.size()) < 0)
      VLOG(1) << "cancel " << task_id << ": control pipe full";
  }
}

void Master::Spawn(Slot* slot) {
  if (state_ != State::kRunning || slot->retired || slot->pid > 0) return;
  int control[2], status[2];
  if (pipe2(control, O_CLOEXEC) != 0 || pipe2(status, O_CLOEXEC) != 0) {
    PLOG(ERROR) << "pipe for worker " << slot->channel << "/" << slot->index;
    slot->respawn_timer->ArmTimer(1.0);
    return;
  }
  UniqueFd control_r(control[0]), control_w(control[1]);
  UniqueFd status_r(status[0]), status_w(status[1]);
  std::string suffix = RandomSuffix();
  std::string prefix = "worker/" + HostName() + "/";
  pid_t master_pid = getpid();
  const Config& config = config_;
  std::string channel = slot->channel;
  int index = slot->index;
  ChannelSettings settings =
      channels_.count(channel) ? channels_[channel] : ChannelSettings();
  WorkerBoard* board = slot->board.get();
  board->Clear();
  std::string unavailable;
  RunAs who = WorkerUser(settings, &unavailable);
  auto child = ForkChild(
      {control_r.get(), status_w.get()}, [&](const std::vector<int>& fds) {
        // Before anything else, and before Redis: a worker that cannot
        // become its user, or could become root again, runs nothing. 78
        // tells the master not to respawn it.
        Status dropped = DropPrivileges(who);
        if (dropped.ok()) dropped = CheckCannotRegainRoot();
        if (!dropped.ok()) {
          LOGR(ERROR) << "worker " << channel << "/" << index << ": "
                      << dropped.message();
          return kExitConfig;
        }
        WorkerParams p;
        p.channel = channel;
        p.index = index;
        p.owner = prefix + std::to_string(getpid()) + "/" + suffix;
        p.master_pid = master_pid;
        p.settings = settings;
        p.unavailable = unavailable;
        p.control_fd.reset(fds[0]);
        p.status_fd.reset(fds[1]);
        p.board = board;
        return RunWorker(config, std::move(p));
      });
  if (!child.ok()) {
    LOGR(ERROR) << child.status().message();
    slot->respawn_timer->ArmTimer(1.0);
    return;
  }
  slot->pid = child.value();
  slot->uid = who.uid;
  slot->user = who.user;
  slot->owner = prefix + std::to_string(slot->pid) + "/" + suffix;
  slot->started = std::chrono::steady_clock::now();
  slot->status_buf.clear();
  fcntl(control_w.get(), F_SETFL, O_NONBLOCK);
  fcntl(status_r.get(), F_SETFL, O_NONBLOCK);
  slot->control = std::move(control_w);
  slot->status = std::move(status_r);
  slot->status_ev =
      std::make_unique<Event>(&base_, slot->status.get(), EV_READ | EV_PERSIST,
                              [this, slot](short) { ReadStatus(slot); });
  slot->status_ev->Add();
  VLOG(1) << "worker " << slot->channel << "/" << slot->index << " pid "
          << slot->pid;
}

void Master::ReadStatus(Slot* slot) {
  if (!slot->status.valid()) return;
  char buf[4096];
  for (;;) {
    ssize_t n = read(slot->status.get(), buf, sizeof(buf));
    if (n > 0) {
      slot->status_buf.append(buf, n);
      continue;
    }
    if (n == 0) {
      if (slot->status_ev) slot->status_ev->Del();
    }
    break;
  }
  size_t nl;
  while ((nl = slot->status_buf.find('\n')) != std::string::npos) {
    std::string line = slot->status_buf.substr(0, nl);
    slot->status_buf.erase(0, nl + 1);
    if (line.rfind("due ", 0) == 0)
      ArmPromote(std::atof(line.c_str() + 4) / 1000);
  }
}

void Master::ReapChildren() {
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    Slot* found = nullptr;
    for (auto& s : slots_)
      if (s->pid == pid) found = s.get();
    if (found)
      OnWorkerExit(found, status);
    else
      VLOG(1) << "reaped unknown child " << pid << " "
              << DescribeWaitStatus(status);
  }
  // Slots of deleted channels are forgotten once their worker has left.
  std::erase_if(slots_, [this](const std::unique_ptr<Slot>& s) {
    return s->retired && s->pid <= 0 && !channels_.count(s->channel);
  });
  MaybeFinish();
}

void Master::OnWorkerExit(Slot* slot, int status) {
  ReadStatus(slot);  // lines written just before it died
  std::string task_id = slot->board->task_id();
  pid_t task_pgid = slot->board->pgid();
  double lived = Seconds(std::chrono::steady_clock::now() - slot->started);
  bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  std::string who = "worker " + slot->channel + "/" +
                    std::to_string(slot->index) + " pid " +
                    std::to_string(slot->pid);
  if (clean && state_ != State::kRunning) {
    VLOG(1) << who << " exited";
  } else {
    LOGR(WARNING) << who << " " << DescribeWaitStatus(status) << " after "
                  << static_cast<int>(lived) << "s"
                  << (task_id.empty() ? "" : " running task " + task_id);
  }
  std::string owner = slot->owner;
  if (!clean && task_pgid > 1) {
    // The task outlived its worker. End it before anyone requeues it, so
    // that two copies never run side by side.
    killpg(task_pgid, SIGKILL);
  }
  slot->pid = 0;
  slot->status_ev.reset();
  slot->status.reset();
  slot->control.reset();
  slot->board->Clear();
  if (!clean) RecoverOwner(owner);

  if (WIFEXITED(status) && WEXITSTATUS(status) == kExitConfig) {
    slot->retired = true;
    LOGR(ERROR) << who << " exited with a configuration error; not "
                << "restarting it (fix the configuration and restart)";
    return;
  }
  if (state_ != State::kRunning || slot->retired) return;
  worker_restarts_++;
  double delay = respawn_policy_.NextDelay(lived, &slot->quick_deaths);
  if (delay > 0)
    LOGR(WARNING) << "restarting worker " << slot->channel << "/" << slot->index
                  << " in " << delay << "s";
  slot->respawn_timer->ArmTimer(delay);
}

void Master::RecoverOwner(const std::string& owner) {
  redis_.Eval(
      kRecoverScript, {keys_.Leases(), keys_.Prepare()},
      {keys_.prefix(), owner, "1"}, [owner](Result<const redisReply*> r) {
        if (!r.ok()) {
          LOGR(WARNING) << "recovering the tasks of " << owner << ": "
                        << r.status().message() << " (its lease will expire)";
          return;
        }
        const redisReply* rep = r.value();
        for (size_t i = 0; i + 1 < rep->elements; i += 2)
          LOGR(INFO) << "task " << Str(rep->element[i + 1])
                     << " requeued: its worker died";
      });
}

void Master::Tick() {
  tick_.ArmTimer(std::min(1.0, config_.lease_ttl_s / 3));
  if (router_ && !router_stopped_) router_->KeepAlive();
  if (!redis_.connected()) return;
  SyncChannels();
  // Leases that expired: their owners died, here or on another host.
  redis_.Eval(kExpiredScript, {keys_.Leases()}, {keys_.prefix(), "100"},
              [this](Result<const redisReply*> r) {
                if (!r.ok() || r.value()->type != REDIS_REPLY_ARRAY) return;
                const redisReply* rep = r.value();
                std::vector<std::string> owners;
                for (size_t i = 0; i + 4 < rep->elements; i += 5) {
                  std::string owner = Str(rep->element[i]);
                  std::string host = Str(rep->element[i + 2]);
                  pid_t pgid = std::atoi(Str(rep->element[i + 3]).c_str());
                  uint64_t pstart = std::strtoull(
                      Str(rep->element[i + 4]).c_str(), nullptr, 10);
                  // A task of a dead worker of this host may still run (all of
                  // coyotes was killed): end it, if that process group is still
                  // the task's (same pid, same start time), before requeueing.
                  if (host == HostName() && pgid > 1 && pstart != 0 &&
                      ProcessStartTime(pgid) == pstart) {
                    LOGR(WARNING) << "ending the orphaned task group " << pgid
                                  << " of dead worker " << owner;
                    killpg(pgid, SIGKILL);
                  }
                  if (owners.empty() || owners.back() != owner)
                    owners.push_back(owner);
                }
                for (const auto& o : owners) RecoverOwner(o);
              });
}

void Master::ArmPromote(double seconds) {
  auto at = std::chrono::steady_clock::now() +
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                std::chrono::duration<double>(std::max(0.0, seconds)));
  if (promote_timer_.pending() && promote_at_ <= at) return;
  promote_at_ = at;
  promote_timer_.ArmTimer(std::max(0.0, seconds));
}

void Master::Promote() {
  if (promoting_ || finished_) return;
  if (!redis_.connected()) {
    ArmPromote(1.0);
    return;
  }
  promoting_ = true;
  // No fixed batch per tick: a full batch is followed by the next at once.
  // Batches of 1,000 keep each script short (Redis serves nobody else
  // while one runs) and let workers start on the first ones at once.
  redis_.Eval(kPromoteScript, {keys_.Delayed()}, {keys_.prefix(), "1000"},
              [this](Result<const redisReply*> r) {
                promoting_ = false;
                if (!r.ok() || r.value()->type != REDIS_REPLY_ARRAY ||
                    r.value()->elements != 3) {
                  ArmPromote(1.0);
                  return;
                }
                long long moved = r.value()->element[0]->integer;
                bool more = r.value()->element[1]->integer == 1;
                long long next_ms = r.value()->element[2]->integer;
                if (moved > 0) VLOG(1) << "promoted " << moved << " tasks";
                if (more) return Promote();
                // Poll at least every second for delays set by other
                // daemons and by retries on other hosts.
                ArmPromote(next_ms < 0 ? 1.0 : std::min(1.0, next_ms / 1000.0));
              });
}

void Master::LoadScheduleFile(bool at_start) {
  if (config_.schedule_file.empty()) return;
  ProducerLimits limits{config_.channel_default, config_.max_task_bytes};
  auto file = ReadScheduleFile(config_.schedule_file, limits, WallMs());
  if (!file.ok()) {
    // At start flags.cc has read it already: only a change since then can
    // fail here. Either way the schedules in Redis stay as they are.
    LOGR(ERROR) << "--schedule-file: " << file.status().message()
                << (at_start ? "" : "; keeping the schedules loaded before");
    return;
  }
  LOGR(INFO) << "--schedule-file " << config_.schedule_file << ": "
             << file.value().size() << " schedules read";
  scheduler_->LoadFile(std::move(file.value()));
}

void Master::SyncChannels() {
  redis_.Command(
      {"HGETALL", keys_.Channels()}, [this](Result<const redisReply*> r) {
        if (!r.ok() || r.value()->type != REDIS_REPLY_ARRAY) return;
        const redisReply* rep = r.value();
        for (size_t i = 0; i + 1 < rep->elements; i += 2) {
          std::string name = Str(rep->element[i]);
          if (channels_.count(name)) continue;
          AddChannel(name, ParseChannelSettings(Str(rep->element[i + 1]),
                                                config_.concurrent));
        }
      });
}

void Master::SendToWorkers(char command) {
  for (auto& s : slots_) {
    if (s->pid <= 0 || !s->control.valid()) continue;
    if (write(s->control.get(), &command, 1) != 1)
      kill(s->pid, SIGUSR2);  // the pipe is full or gone: signal instead
  }
}

void Master::StartDrain(const std::string& why) {
  state_ = State::kDraining;
  LOGR(INFO) << why << ": draining; " << LiveWorkers()
             << " workers finish their tasks (queued tasks stay in Redis)";
  for (auto& s : slots_) s->respawn_timer->Del();
  SendToWorkers('D');
  if (config_.shutdown_timeout_s > 0)
    shutdown_timer_.ArmTimer(config_.shutdown_timeout_s);
  router_->Stop([this] {
    router_stopped_ = true;
    MaybeFinish();
  });
  MaybeFinish();
}

void Master::FastStop(const std::string& why) {
  if (state_ == State::kStopping) return;
  state_ = State::kStopping;
  LOGR(WARNING) << why << ": fast stop; running tasks are stopped and "
                << "requeued";
  SendToWorkers('F');
  kill_timer_.ArmTimer(config_.kill_grace_s + 5);
  MaybeFinish();
}

void Master::MaybeFinish() {
  if (state_ == State::kRunning || finished_) return;
  if (LiveWorkers() > 0 || !router_stopped_) return;
  finished_ = true;
  shutdown_timer_.Del();
  kill_timer_.Del();
  promote_timer_.Del();
  tick_.Del();
  pidfile_.Remove();
  LOGR(INFO) << "drain complete";
  // Requests still waiting (?wait=, followed outputs) are answered now;
  // the server stays a moment so that the loop sends those answers (a
  // request that comes meanwhile finds Redis stopped: 503).
  if (waits_) waits_->AnswerAll();
  if (follows_) follows_->EndAll();
  callbacks_->Stop();  // what is in flight is left to its lease
  scheduler_->Stop();
  if (stats_sampler_) stats_sampler_->Stop();
  redis_.Stop();
  if (http_) {
    exit_timer_.ArmTimer(kAnswersFlushS);
    return;
  }
  Exit();
}

void Master::Exit() {
  waits_.reset();  // unsubscribes
  follows_.reset();
  http_.reset();
  base_.Exit();
}

int Master::LiveWorkers() const {
  int n = 0;
  for (const auto& s : slots_)
    if (s->pid > 0) n++;
  return n;
}

}  // namespace coyotes
