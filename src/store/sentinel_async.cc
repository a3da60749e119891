#include "store/sentinel_async.h"

#include <utility>

namespace coyotes {

std::vector<std::string> SentinelAsk::SentinelAuth() const {
  if (target_.sentinel_password.empty()) return {};
  return {"AUTH", target_.sentinel_password};
}

void SentinelAsk::AskMaster(std::function<void(Result<MasterAddr>)> done) {
  master_done_ = std::move(done);
  AskFrom(0, "");
}

void SentinelAsk::AskFrom(size_t i, std::string errors) {
  if (i >= target_.sentinels.size()) {
    auto done = std::move(master_done_);
    done(Unavailable("no sentinel named master '" + target_.master_name +
                     "' (" + errors + ")"));
    return;
  }
  const HostPort& s = target_.sentinels[i];
  probe_.Ask(s, SentinelAuth(),
             {"SENTINEL", "get-master-addr-by-name", target_.master_name},
             kSentinelTimeoutS,
             [this, i,
              errors = std::move(errors)](Result<const redisReply*> r) mutable {
               const HostPort& s = target_.sentinels[i];
               Result<HostPort> addr = r.ok() ? ParseMasterAddrReply(r.value())
                                              : Result<HostPort>(r.status());
               if (addr.ok()) {
                 auto done = std::move(master_done_);
                 done(MasterAddr{addr.value(), s.ToString()});
                 return;
               }
               errors += (errors.empty() ? "" : "; ") + s.ToString() + ": " +
                         addr.status().message();
               AskFrom(i + 1, std::move(errors));
             });
}

void SentinelAsk::CheckMoved(const HostPort& current,
                             std::function<void(bool)> done) {
  moved_done_ = std::move(done);
  current_ = current;
  CheckFrom(0);
}

void SentinelAsk::CheckFrom(size_t i) {
  if (i >= target_.sentinels.size()) {
    auto done = std::move(moved_done_);
    done(false);  // nothing learnt
    return;
  }
  probe_.Ask(target_.sentinels[i], SentinelAuth(),
             {"SENTINEL", "get-master-addr-by-name", target_.master_name},
             kSentinelTimeoutS, [this, i](Result<const redisReply*> r) {
               Result<HostPort> addr = r.ok() ? ParseMasterAddrReply(r.value())
                                              : Result<HostPort>(r.status());
               if (!addr.ok()) {
                 CheckFrom(i + 1);
                 return;
               }
               const HostPort& a = addr.value();
               if (a.host != current_.host || a.port != current_.port ||
                   a.unix_path != current_.unix_path) {
                 auto done = std::move(moved_done_);
                 done(true);
                 return;
               }
               // The sentinels may not have seen the promotion yet: ask the
               // replicas themselves.
               probe_.Ask(target_.sentinels[i], SentinelAuth(),
                          {"SENTINEL", "replicas", target_.master_name},
                          kSentinelTimeoutS,
                          [this](Result<const redisReply*> r) {
                            replicas_.clear();
                            if (r.ok())
                              replicas_ = ParseReplicasReply(r.value());
                            CheckReplica(0);
                          });
             });
}

void SentinelAsk::CheckReplica(size_t i) {
  if (i >= replicas_.size()) {
    auto done = std::move(moved_done_);
    done(false);
    return;
  }
  probe_.Ask(replicas_[i], AuthCommand(target_), {"ROLE"}, kSentinelTimeoutS,
             [this, i](Result<const redisReply*> r) {
               if (r.ok()) {
                 auto role = ParseRoleReply(r.value());
                 if (role.ok() && role.value() == "master") {
                   auto done = std::move(moved_done_);
                   done(true);
                   return;
                 }
               }
               CheckReplica(i + 1);
             });
}

}  // namespace coyotes
