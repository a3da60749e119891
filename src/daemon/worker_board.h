// WorkerBoard: what a worker is running, on a page of memory it shares with
// its master.
//
// The master needs the running task's id (for GET /) and its process group
// (to end the task if the worker dies). A line on a pipe per task start
// and end woke the master twice per task; writing to shared memory wakes
// nobody, and the master reads it when it needs it.
//
// The master maps the page before forking the worker (MAP_SHARED, so both
// see the same page) and unmaps it when the slot goes. One writer, the
// worker; the group id is one atomic word, so a worker killed at any
// instant never leaves a half-written one; the id is guarded by a sequence
// counter (odd while it is being written), and a reader that finds it torn
// reports it unknown.
#ifndef COYOTES_DAEMON_WORKER_BOARD_H_
#define COYOTES_DAEMON_WORKER_BOARD_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "task/task.h"

namespace coyotes {

class WorkerBoard {
 public:
  // Maps a fresh zeroed page; aborts if the kernel refuses one page.
  WorkerBoard();
  ~WorkerBoard();
  WorkerBoard(const WorkerBoard&) = delete;
  WorkerBoard& operator=(const WorkerBoard&) = delete;

  // Worker side (the master clears it too, once the worker is gone).
  void Publish(std::string_view task_id, pid_t pgid);
  void Clear();

  // Master side. 0 / "" when idle.
  pid_t pgid() const;
  std::string task_id() const;

  // What the workers of this slot did since the master started (the page
  // outlives each worker): GET /metrics. The worker counts each task's end
  // here, the master reads.
  enum Outcome { kSucceeded, kFailed, kRetried, kCancelled, kTimedOut };
  static constexpr int kOutcomes = 5;
  static const char* OutcomeName(int outcome);
  // Upper bounds (seconds) of the histograms' buckets; +Inf follows.
  static constexpr double kBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                        0.5,   1,    2.5,   5,    10,  30,
                                        60,    300,  600,   1800, 3600};
  static constexpr int kNumBuckets = sizeof(kBuckets) / sizeof(kBuckets[0]);
  struct Histogram {
    uint64_t buckets[kNumBuckets + 1] = {};  // each its own, not cumulative
    double sum_s = 0;
    uint64_t count() const;
    void Add(const Histogram& h);
  };
  struct Counts {
    uint64_t outcomes[kOutcomes] = {};
    Histogram duration;  // spawn to end
    Histogram wait;      // due to spawn
    void Add(const Counts& c);
  };
  // Worker side: a task ended. wait_s < 0: unknown (an item queued by an
  // older version).
  void CountEnd(Outcome outcome, double duration_s, double wait_s);
  Counts counts() const;

 private:
  struct SharedHistogram {
    std::atomic<uint64_t> buckets[kNumBuckets + 1];
    std::atomic<uint64_t> sum_us;
  };
  struct Page {
    std::atomic<int32_t> pgid;
    std::atomic<uint32_t> seq;
    std::atomic<uint32_t> id_len;
    std::atomic<char> id[kMaxTaskIdLength];
    std::atomic<uint64_t> outcomes[kOutcomes];
    SharedHistogram duration, wait;
  };
  static_assert(sizeof(Page) <= 4096, "one page");
  static_assert(std::atomic<uint64_t>::is_always_lock_free &&
                    std::atomic<int32_t>::is_always_lock_free &&
                    std::atomic<uint32_t>::is_always_lock_free &&
                    std::atomic<char>::is_always_lock_free,
                "shared memory needs lock-free atomics");
  Page* page_;
};

}  // namespace coyotes

#endif  // COYOTES_DAEMON_WORKER_BOARD_H_
