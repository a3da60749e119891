#include "daemon/worker_board.h"

#include <sys/mman.h>

#include <algorithm>

#include "base/log.h"

namespace coyotes {

WorkerBoard::WorkerBoard() {
  void* p = mmap(nullptr, sizeof(Page), PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  PCHECK(p != MAP_FAILED) << "mmap of a worker board";
  // An anonymous mapping is zero-filled: pgid 0, seq 0, empty id.
  page_ = static_cast<Page*>(p);
}

WorkerBoard::~WorkerBoard() { munmap(page_, sizeof(Page)); }

void WorkerBoard::Publish(std::string_view task_id, pid_t pgid) {
  // The group first: it is what the master needs if we die right here.
  page_->pgid.store(pgid, std::memory_order_release);
  size_t n = std::min(task_id.size(), kMaxTaskIdLength);
  uint32_t s = page_->seq.load(std::memory_order_relaxed);
  page_->seq.store(s + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  for (size_t i = 0; i < n; i++)
    page_->id[i].store(task_id[i], std::memory_order_relaxed);
  page_->id_len.store(static_cast<uint32_t>(n), std::memory_order_relaxed);
  page_->seq.store(s + 2, std::memory_order_release);
}

void WorkerBoard::Clear() {
  page_->pgid.store(0, std::memory_order_release);
  uint32_t s = page_->seq.load(std::memory_order_relaxed);
  page_->seq.store(s + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  page_->id_len.store(0, std::memory_order_relaxed);
  page_->seq.store(s + 2, std::memory_order_release);
}

pid_t WorkerBoard::pgid() const {
  return page_->pgid.load(std::memory_order_acquire);
}

std::string WorkerBoard::task_id() const {
  // The writer holds the counter odd for a few stores; a counter that stays
  // odd means the worker died in between.
  for (int tries = 0; tries < 1000; tries++) {
    uint32_t s = page_->seq.load(std::memory_order_acquire);
    if (s & 1) continue;
    size_t n = std::min<size_t>(page_->id_len.load(std::memory_order_relaxed),
                                kMaxTaskIdLength);
    std::string id(n, '\0');
    for (size_t i = 0; i < n; i++)
      id[i] = page_->id[i].load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (page_->seq.load(std::memory_order_relaxed) == s) return id;
  }
  return "";
}

const char* WorkerBoard::OutcomeName(int outcome) {
  static const char* const kNames[kOutcomes] = {
      "succeeded", "failed", "retried", "cancelled", "timed_out"};
  return outcome >= 0 && outcome < kOutcomes ? kNames[outcome] : "unknown";
}

uint64_t WorkerBoard::Histogram::count() const {
  uint64_t n = 0;
  for (uint64_t b : buckets) n += b;
  return n;
}

void WorkerBoard::Histogram::Add(const Histogram& h) {
  for (int i = 0; i <= kNumBuckets; i++) buckets[i] += h.buckets[i];
  sum_s += h.sum_s;
}

void WorkerBoard::Counts::Add(const Counts& c) {
  for (int i = 0; i < kOutcomes; i++) outcomes[i] += c.outcomes[i];
  duration.Add(c.duration);
  wait.Add(c.wait);
}

namespace {

void Observe(std::atomic<uint64_t>* buckets, std::atomic<uint64_t>* sum_us,
             double v) {
  v = std::max(0.0, v);
  int i = 0;
  while (i < WorkerBoard::kNumBuckets && v > WorkerBoard::kBuckets[i]) i++;
  // One writer: relaxed adds are enough; a reader may see a bucket before
  // the sum, which a scrape forgives.
  buckets[i].fetch_add(1, std::memory_order_relaxed);
  sum_us->fetch_add(static_cast<uint64_t>(v * 1e6), std::memory_order_relaxed);
}

}  // namespace

void WorkerBoard::CountEnd(Outcome outcome, double duration_s, double wait_s) {
  page_->outcomes[outcome].fetch_add(1, std::memory_order_relaxed);
  Observe(page_->duration.buckets, &page_->duration.sum_us, duration_s);
  if (wait_s >= 0) Observe(page_->wait.buckets, &page_->wait.sum_us, wait_s);
}

WorkerBoard::Counts WorkerBoard::counts() const {
  Counts c;
  for (int i = 0; i < kOutcomes; i++)
    c.outcomes[i] = page_->outcomes[i].load(std::memory_order_relaxed);
  auto read = [](const SharedHistogram& from, Histogram* to) {
    for (int i = 0; i <= kNumBuckets; i++)
      to->buckets[i] = from.buckets[i].load(std::memory_order_relaxed);
    to->sum_s = from.sum_us.load(std::memory_order_relaxed) / 1e6;
  };
  read(page_->duration, &c.duration);
  read(page_->wait, &c.wait);
  return c;
}

}  // namespace coyotes
