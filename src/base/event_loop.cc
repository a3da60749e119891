#include "base/event_loop.h"

#include <glog/logging.h>

#include <cmath>

namespace coyotes {

EventBase::EventBase() : base_(event_base_new()) {
  CHECK(base_ != nullptr) << "event_base_new failed";
}

EventBase::~EventBase() { event_base_free(base_); }

Event::Event(EventBase* base, int fd, short what, Callback cb)
    : cb_(std::move(cb)) {
  ev_ = event_new(base->get(), fd, what, &Event::Trampoline, this);
  CHECK(ev_ != nullptr) << "event_new failed";
}

Event::~Event() {
  if (ev_) event_free(ev_);
}

void Event::Trampoline(evutil_socket_t, short what, void* arg) noexcept {
  static_cast<Event*>(arg)->cb_(what);
}

void Event::ArmTimer(double seconds) {
  timeval tv;
  seconds = std::max(0.0, seconds);
  tv.tv_sec = static_cast<time_t>(seconds);
  tv.tv_usec = static_cast<suseconds_t>((seconds - tv.tv_sec) * 1e6);
  event_add(ev_, &tv);
}

void Event::Add() { event_add(ev_, nullptr); }
void Event::Del() { event_del(ev_); }
bool Event::pending() const {
  return event_pending(ev_, EV_TIMEOUT | EV_READ | EV_SIGNAL, nullptr);
}

}  // namespace coyotes
