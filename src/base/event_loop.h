// RAII owners for the master's libevent objects: the base, and events
// (timers, signals, fd watchers) whose callbacks are std::functions.
//
// An Event must not outlive its EventBase; the master declares the base
// first so that it is destroyed last.
#ifndef COYOTES_BASE_EVENT_LOOP_H_
#define COYOTES_BASE_EVENT_LOOP_H_

#include <event2/event.h>

#include <functional>
#include <memory>

namespace coyotes {

class EventBase {
 public:
  EventBase();
  ~EventBase();
  EventBase(const EventBase&) = delete;
  EventBase& operator=(const EventBase&) = delete;

  event_base* get() const { return base_; }
  void Dispatch() { event_base_dispatch(base_); }
  void Exit() { event_base_loopexit(base_, nullptr); }

 private:
  event_base* base_;
};

class Event {
 public:
  using Callback = std::function<void(short what)>;
  Event() = default;
  // fd -1 with no EV_SIGNAL: a timer. EV_SIGNAL: fd is the signal number.
  Event(EventBase* base, int fd, short what, Callback cb);
  Event(Event&&) = delete;
  ~Event();

  // Timers: (re)arm to fire once after `seconds`.
  void ArmTimer(double seconds);
  // Signals and fd watchers: start watching.
  void Add();
  void Del();
  bool pending() const;

 private:
  static void Trampoline(evutil_socket_t, short what, void* arg) noexcept;
  event* ev_ = nullptr;
  Callback cb_;
};

}  // namespace coyotes

#endif  // COYOTES_BASE_EVENT_LOOP_H_
