#pragma once
// A debug check that an object is used only on the thread that constructed it: a reactor's
// ring, mailbox and timer wheel belong to one thread, and a call from another would be a data
// race the sanitizers may not see. Compiled in where RINGSIDE_THREAD_CHECKS is defined (CMake
// sets it for Debug and RINGSIDE_SANITIZE builds); elsewhere an empty member that costs nothing
// (declare it [[no_unique_address]]).
#ifdef RINGSIDE_THREAD_CHECKS
#include <thread>
#endif

namespace ringside {

#ifdef RINGSIDE_THREAD_CHECKS
inline constexpr bool kThreadChecks = true;

class OwnerThread {
 public:
  OwnerThread() : owner_(std::this_thread::get_id()) {}
  // Aborts with a message naming `what` when called on any other thread.
  void check(const char* what) const {
    if (std::this_thread::get_id() != owner_) fail(what);
  }

 private:
  [[noreturn]] static void fail(const char* what);
  std::thread::id owner_;
};
#else
inline constexpr bool kThreadChecks = false;

class OwnerThread {
 public:
  void check(const char*) const {}
};
#endif

}  // namespace ringside
