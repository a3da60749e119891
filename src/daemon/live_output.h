// LiveOutput: a running task's output on its way to Redis, where
// GET /tasks/ID/output reads it whichever daemon answers (output_append.lua
// writes it, output_read.lua reads it).
//
// Short tasks cost nothing: output is only kept here (bounded by
// --output-tail per stream) until the task has run long enough to have its
// start recorded; from then on it goes out in batches, at most one every
// kBatchS, and a last one when the task ends, before its end is recorded.
// A task that writes more than --output-tail between two batches loses the
// middle in the live view only: the record's tails are kept apart.
//
// The stream keeps at least the last --output-tail bytes of each pipe (and
// at most kMaxEntries batches): this side knows each batch's size, so it
// names the oldest batch still needed and the next append trims the rest.
#ifndef COYOTES_DAEMON_LIVE_OUTPUT_H_
#define COYOTES_DAEMON_LIVE_OUTPUT_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/worker_session.h"
#include "task/output_tail.h"
#include "task/task_executor.h"

namespace coyotes {

class LiveOutput {
 public:
  static constexpr double kBatchS = 0.1;
  static constexpr size_t kMaxEntries = 1000;
  // How long the stream lives: while the task runs (renewed by each
  // batch), and after its end, for readers to take the last batch.
  static constexpr int64_t kRunningTtlMs = 24 * 3600 * 1000;
  static constexpr int64_t kEndedTtlMs = 60 * 1000;

  LiveOutput(WorkerSession* session, std::string task_id, size_t cap)
      : session_(session),
        task_id_(std::move(task_id)),
        cap_(cap),
        out_(cap),
        err_(cap) {}
  LiveOutput(const LiveOutput&) = delete;
  LiveOutput& operator=(const LiveOutput&) = delete;

  void Add(OutputStream stream, std::string_view data);
  // The task's start is recorded: batches go out from now on.
  void Begin() { live_ = true; }
  // Seconds until the next batch is due, or nullopt when none waits.
  std::optional<double> DueIn() const;
  // Sends what waits (when Redis is connected: a batch is never worth a
  // wait; it stays for the next one). `last`: the task has ended; then
  // nothing is held back and the stream's end of life is set.
  void Send(bool last);

 private:
  struct Entry {
    std::string id;
    size_t out, err;
  };
  // Moves the trim point past the batches no longer needed.
  void Forget();

  WorkerSession* session_;
  const std::string task_id_;
  const size_t cap_;
  OutputTail out_, err_;  // written since the last batch
  bool live_ = false;
  bool sent_any_ = false;  // a batch of this attempt is in Redis
  std::chrono::steady_clock::time_point last_send_;  // the last try
  std::deque<Entry> kept_;  // the batches in Redis, oldest first
  size_t kept_out_ = 0, kept_err_ = 0;
  std::string trim_before_;
};

}  // namespace coyotes

#endif  // COYOTES_DAEMON_LIVE_OUTPUT_H_
