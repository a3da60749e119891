#include "daemon/live_output.h"

#include <algorithm>

#include "base/json_util.h"
#include "base/log.h"
#include "base/wall_clock.h"

namespace coyotes {

namespace {

// What `tail` holds, less a UTF-8 character cut short at its end unless
// `last`; the held-back bytes stay in `tail` for the next batch, so that
// a reader never gets half a character.
std::string TakeBatch(OutputTail* tail, bool last) {
  std::string text = tail->Take();
  tail->Clear();
  if (last) return text;
  size_t keep = Utf8CompleteLength(text);
  if (keep < text.size()) {
    tail->Append(std::string_view(text).substr(keep));
    text.resize(keep);
  }
  return text;
}

}  // namespace

void LiveOutput::Add(OutputStream stream, std::string_view data) {
  (stream == OutputStream::kStdout ? out_ : err_).Append(data);
}

std::optional<double> LiveOutput::DueIn() const {
  if (!live_ || (out_.empty() && err_.empty())) return std::nullopt;
  // Counted from the last try, sent or not: with Redis away, a batch is
  // tried again 100 ms later, not at once and again.
  return std::max(0.0, kBatchS - SecondsSince(last_send_));
}

void LiveOutput::Send(bool last) {
  if (!live_) return;
  bool waiting = !out_.empty() || !err_.empty();
  if (!waiting && !(last && sent_any_)) return;
  last_send_ = std::chrono::steady_clock::now();
  WorkerStore* store = session_->store_if_connected();
  if (store == nullptr) return;
  std::string out = TakeBatch(&out_, last), err = TakeBatch(&err_, last);
  // Only the start of a character waits: it goes with the rest of it.
  if (!last && out.empty() && err.empty()) return;
  auto id = store->AppendOutput(task_id_, !sent_any_,
                                last ? kEndedTtlMs : kRunningTtlMs,
                                trim_before_, out, err);
  if (!id.ok()) {
    // Lost for the live view only; the record gets its tails anyway.
    LOGR(WARNING) << "live output of " << task_id_ << ": "
                  << id.status().message();
    return;
  }
  sent_any_ = true;
  if (id->empty()) return;
  kept_.push_back({id.value(), out.size(), err.size()});
  kept_out_ += out.size();
  kept_err_ += err.size();
  Forget();
}

void LiveOutput::Forget() {
  // The oldest batch may go when the rest still holds --output-tail bytes
  // of each pipe it has bytes of.
  auto spare = [this](const Entry& e) {
    return (e.out == 0 || kept_out_ - e.out >= cap_) &&
           (e.err == 0 || kept_err_ - e.err >= cap_);
  };
  bool dropped = false;
  while (kept_.size() > 1 &&
         (kept_.size() > kMaxEntries || spare(kept_.front()))) {
    kept_out_ -= kept_.front().out;
    kept_err_ -= kept_.front().err;
    kept_.pop_front();
    dropped = true;
  }
  if (dropped) trim_before_ = kept_.front().id;
}

}  // namespace coyotes
