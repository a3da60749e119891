#include "http/callback_sender.h"

#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "base/http_url.h"
#include "base/json_util.h"
#include "base/log.h"
#include "base/sha256.h"
#include "http/api_common.h"
#include "http/task_record.h"
#include "store/scripts.h"
#include "task/retry_policy.h"

namespace coyotes {
namespace {

// Time allowed beyond --callback-timeout before another master may take a
// delivery that this one holds: its answer is recorded within it.
constexpr double kLeaseMarginS = 10;
// An answer's body is read and dropped; a larger one fails the delivery.
constexpr size_t kMaxAnswerBody = 1 << 20;
constexpr size_t kMaxAnswerHeaders = 64 << 10;
constexpr double kMinRetryS = 0.1;

const std::string* Get(const CallbackSender::Fields& f, const char* key) {
  for (const auto& [k, v] : f)
    if (k == key) return &v;
  return nullptr;
}

std::string Describe(evhttp_request_error e, double timeout_s) {
  switch (e) {
    case EVREQ_HTTP_TIMEOUT:
      return "no answer within --callback-timeout (" +
             std::to_string(static_cast<int>(timeout_s)) + " s)";
    case EVREQ_HTTP_EOF:
      return "connection closed before an answer";
    case EVREQ_HTTP_INVALID_HEADER:
      return "malformed answer";
    case EVREQ_HTTP_BUFFER_ERROR:
      return "connection failed (refused, reset or unreachable)";
    case EVREQ_HTTP_DATA_TOO_LONG:
      return "answer larger than 1 MiB";
    case EVREQ_HTTP_REQUEST_CANCEL:
      return "cancelled";
  }
  return "failed";
}

}  // namespace

// One POST: its connection (freed with it) and its deadline.
struct CallbackSender::Delivery {
  CallbackSender* owner = nullptr;
  std::string task_id, delivery;
  int attempts = 0;  // tries before this one
  evhttp_connection* conn = nullptr;
  std::unique_ptr<Event> deadline;
  // Runs Finish on the next loop turn: libevent still uses the connection
  // after the request's callback returns, so it is freed only then.
  std::unique_ptr<Event> later;
  bool ended = false;
  bool ok = false;
  bool permanent = false;  // trying again cannot help: give it up now
  std::string error;

  ~Delivery() {
    if (conn) evhttp_connection_free(conn);
  }

  void End(bool success, std::string why) {
    if (ended) return;
    ended = true;
    ok = success;
    if (error.empty()) error = std::move(why);
    later->ArmTimer(0);
  }

  static void OnError(evhttp_request_error e, void* arg) noexcept {
    auto* d = static_cast<Delivery*>(arg);
    if (d->error.empty())
      d->error = Describe(e, d->owner->config_.callback_timeout_s);
  }

  static void OnResponse(evhttp_request* req, void* arg) noexcept {
    auto* d = static_cast<Delivery*>(arg);
    int code = req ? evhttp_request_get_response_code(req) : 0;
    // A connect that fails comes here without the error callback.
    if (code == 0)
      return d->End(false, "connection failed (refused, reset or unreachable)");
    if (code >= 200 && code < 300) return d->End(true, "");
    const char* reason = evhttp_request_get_response_code_line(req);
    std::string why = "HTTP " + std::to_string(code);
    if (reason && *reason) why += std::string(" ") + reason;
    d->End(false, why.substr(0, 200));
  }
};

CallbackSender::CallbackSender(EventBase* base, AsyncRedis* redis,
                               const RedisKeys& keys, const Config& config,
                               std::string user_agent)
    : base_(base),
      redis_(redis),
      keys_(keys),
      config_(config),
      user_agent_(std::move(user_agent)),
      rng_(std::random_device{}()),
      poll_timer_(base, -1, 0, [this](short) { Poll(); }) {}

CallbackSender::~CallbackSender() {
  *alive_ = false;
  flying_.clear();
  if (dns_) evdns_base_free(dns_, 0);
}

void CallbackSender::Start() {
  if (!dns_) {
    // Read now (resolv.conf and the hosts file), while the files are
    // surely readable; names are then resolved on the loop, never with a
    // blocking getaddrinfo.
    dns_ = evdns_base_new(base_->get(), EVDNS_BASE_INITIALIZE_NAMESERVERS);
    if (!dns_)
      LOGR(WARNING) << "callbacks: no DNS resolver (resolv.conf); callback "
                       "URLs must name an IP address";
  }
  stopped_ = false;
  ArmPoll(0.2);
}

void CallbackSender::Stop() {
  stopped_ = true;
  poll_timer_.Del();
  if (!flying_.empty())
    LOGR(INFO) << "callbacks: " << flying_.size()
               << " deliveries in flight are left to their leases";
  flying_.clear();
}

void CallbackSender::ArmPoll(double seconds) {
  if (stopped_) return;
  poll_timer_.ArmTimer(seconds);
}

void CallbackSender::Poll() {
  if (stopped_ || polling_) return;
  int room = config_.callback_concurrency - in_flight();
  if (room <= 0) return;  // Finish polls again when a slot frees
  if (!redis_->connected()) return ArmPoll(1.0);
  polling_ = true;
  int64_t lease_ms =
      static_cast<int64_t>((config_.callback_timeout_s + kLeaseMarginS) * 1000);
  std::weak_ptr<bool> alive = alive_;
  redis_->Eval(kCallbackClaimScript, {keys_.Callbacks()},
               {keys_.prefix(), std::to_string(room), std::to_string(lease_ms)},
               [this, alive, room](Result<const redisReply*> r) {
                 auto guard = alive.lock();
                 if (!guard || !*guard) return;
                 polling_ = false;
                 if (stopped_) return;
                 if (!r.ok() || r.value()->type != REDIS_REPLY_ARRAY ||
                     r.value()->elements != 2 ||
                     r.value()->element[0]->type != REDIS_REPLY_ARRAY) {
                   if (!r.ok())
                     VLOG(1) << "callbacks: claim: " << r.status().message();
                   return ArmPoll(1.0);
                 }
                 const redisReply* records = r.value()->element[0];
                 for (size_t i = 0; i < records->elements; i++) {
                   const redisReply* rec = records->element[i];
                   Fields fields;
                   for (size_t j = 0; j + 1 < rec->elements; j += 2)
                     fields.emplace_back(ReplyText(rec->element[j]),
                                         ReplyText(rec->element[j + 1]));
                   Send(fields);
                 }
                 // A full batch may leave more due: Finish polls again as slots
                 // free. Otherwise wake at the next due time, and at least
                 // every second for deliveries that other daemons' tasks made.
                 if (static_cast<int>(records->elements) >= room) return;
                 long long next_ms = r.value()->element[1]->integer;
                 ArmPoll(next_ms < 0 ? 1.0 : std::min(1.0, next_ms / 1000.0));
               });
}

std::vector<std::pair<std::string, std::string>> CallbackSender::Headers(
    const std::string& user_agent, const std::string& task_id,
    const std::string& delivery, const std::string& body,
    const std::string& secret) {
  std::vector<std::pair<std::string, std::string>> h = {
      {"Content-Type", "application/json"},
      {"User-Agent", user_agent},
      {"X-Coyotes-Task-Id", task_id},
      {"X-Coyotes-Delivery", delivery},
  };
  if (!secret.empty())
    h.emplace_back("X-Coyotes-Signature",
                   "sha256=" + HmacSha256Hex(secret, body));
  return h;
}

void CallbackSender::Send(const Fields& record) {
  auto d = std::make_unique<Delivery>();
  Delivery* p = d.get();
  p->owner = this;
  const std::string* id = Get(record, "id");
  const std::string* delivery = Get(record, "callback_delivery");
  const std::string* url_text = Get(record, "callback");
  const std::string* attempts = Get(record, "callback_attempts");
  p->task_id = id ? *id : "";
  p->delivery = delivery ? *delivery : "";
  p->attempts = attempts ? std::atoi(attempts->c_str()) : 0;
  p->later = std::make_unique<Event>(
      base_, -1, 0, [this, p](short) { Finish(p, p->ok, p->error); });
  p->deadline = std::make_unique<Event>(base_, -1, 0, [this, p](short) {
    // Also covers a name that takes long to resolve and an answer that
    // trickles in. The connection is freed with the delivery: its request
    // is dropped without a callback.
    if (p->ended) return;  // answered; Finish is on its way
    p->ended = true;
    Finish(p, false,
           "no answer within --callback-timeout (" +
               std::to_string(static_cast<int>(config_.callback_timeout_s)) +
               " s)");
  });
  flying_[p] = std::move(d);
  if (p->task_id.empty() || p->delivery.empty())
    return p->End(false, "record without id or delivery");

  auto url = ParseHttpUrl(url_text ? *url_text : "");
  if (!url.ok()) {
    p->permanent = true;
    return p->End(false, "bad URL: " + url.status().message());
  }
  // --callback-hosts may have changed since the task was accepted.
  if (Status host = CheckCallbackHost(*url_text, config_.callback_hosts);
      !host.ok()) {
    p->permanent = true;
    return p->End(false, host.message());
  }
  JsonPtr json(TaskRecordJson(record));
  std::string body = JsonDump(json.get());

  p->conn = evhttp_connection_base_new(base_->get(), dns_, url->host.c_str(),
                                       static_cast<uint16_t>(url->port));
  if (!p->conn) return p->End(false, "cannot make a connection");
  timeval tv;
  tv.tv_sec = static_cast<time_t>(config_.callback_timeout_s);
  tv.tv_usec = static_cast<suseconds_t>(
      (config_.callback_timeout_s - static_cast<double>(tv.tv_sec)) * 1e6);
  evhttp_connection_set_timeout_tv(p->conn, &tv);
  evhttp_connection_set_max_body_size(p->conn, kMaxAnswerBody);
  evhttp_connection_set_max_headers_size(p->conn, kMaxAnswerHeaders);
  evhttp_request* req = evhttp_request_new(&Delivery::OnResponse, p);
  evhttp_request_set_error_cb(req, &Delivery::OnError);
  evkeyvalq* out = evhttp_request_get_output_headers(req);
  evhttp_add_header(out, "Host", url->authority.c_str());
  for (const auto& [k, v] : Headers(user_agent_, p->task_id, p->delivery, body,
                                    config_.callback_secret))
    evhttp_add_header(out, k.c_str(), v.c_str());
  evhttp_add_header(out, "Content-Length", std::to_string(body.size()).c_str());
  evhttp_add_header(out, "Connection", "close");
  evbuffer_add(evhttp_request_get_output_buffer(req), body.data(), body.size());
  p->deadline->ArmTimer(config_.callback_timeout_s);
  if (evhttp_make_request(p->conn, req, EVHTTP_REQ_POST, url->path.c_str()) !=
      0)
    p->End(false, "cannot send the request");
}

void CallbackSender::Finish(Delivery* d, bool ok, std::string error) {
  auto it = flying_.find(d);
  if (it == flying_.end()) return;
  std::unique_ptr<Delivery> own = std::move(it->second);
  flying_.erase(it);
  std::string task_id = own->task_id, delivery = own->delivery;
  int attempts = own->attempts + 1;
  bool permanent = own->permanent;
  own.reset();  // closes the connection
  ArmPoll(0);   // a slot is free
  if (ok)
    counts_.delivered++;
  else
    counts_.errors++;
  if (task_id.empty()) return;
  // At least kMinRetryS: with --retry-min-delay=0 a receiver that refuses
  // at once would otherwise be tried in a tight loop.
  double delay_s = std::max(
      kMinRetryS,
      RetryDelay(attempts, config_.retry_min_delay_s, config_.retry_max_delay_s,
                 std::uniform_real_distribution<double>(0.0, 1.0)(rng_)));
  std::weak_ptr<bool> alive = alive_;
  redis_->Eval(
      kCallbackDoneScript,
      {keys_.Callbacks(), keys_.Task(task_id), keys_.Stats()},
      {task_id, delivery, ok ? "1" : "0", error,
       std::to_string(static_cast<int64_t>(delay_s * 1000)),
       permanent ? "0" : std::to_string(config_.callback_max_age_s * 1000)},
      [this, alive, task_id, delivery, error, attempts,
       delay_s](Result<const redisReply*> r) {
        auto guard = alive.lock();
        if (!guard || !*guard) return;
        if (!r.ok()) {
          // The delivery stays leased; it is tried again when the
          // lease ends.
          LOGR(WARNING) << "callback id=" << task_id
                        << " not recorded: " << r.status().message();
          return;
        }
        std::string outcome = ReplyText(r.value());
        if (outcome == "delivered") {
          LOGR(INFO) << "callback delivered id=" << task_id
                     << " delivery=" << delivery << " attempts=" << attempts;
        } else if (outcome == "retry") {
          LOGR(INFO) << "callback id=" << task_id << " attempt " << attempts
                     << " failed: " << error << "; again in "
                     << static_cast<int>(delay_s * 1000) << " ms";
        } else if (outcome == "failed") {
          counts_.given_up++;
          LOGR(WARNING) << "callback id=" << task_id << " given up after "
                        << attempts << " attempts, --callback-max-age ("
                        << config_.callback_max_age_s
                        << " s) passed: " << error;
        }
      });
}

}  // namespace coyotes
