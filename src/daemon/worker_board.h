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

 private:
  struct Page {
    std::atomic<int32_t> pgid;
    std::atomic<uint32_t> seq;
    std::atomic<uint32_t> id_len;
    std::atomic<char> id[kMaxTaskIdLength];
  };
  static_assert(std::atomic<int32_t>::is_always_lock_free &&
                    std::atomic<uint32_t>::is_always_lock_free &&
                    std::atomic<char>::is_always_lock_free,
                "shared memory needs lock-free atomics");
  Page* page_;
};

}  // namespace coyotes

#endif  // COYOTES_DAEMON_WORKER_BOARD_H_
