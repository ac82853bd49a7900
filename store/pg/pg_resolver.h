#pragma once
// One host-name lookup that never blocks its caller: glibc's getaddrinfo_a() (GAI_NOWAIT) runs
// it on glibc's own helper thread, and the owner asks poll() from its loop (on a short timer)
// until it is done. libpq resolves a host name with a blocking getaddrinfo() inside
// PQconnectStart, which would stall the I/O core for the resolver's whole timeout whenever DNS
// is slow or down; PgConnection looks the name up here first and hands libpq the addresses
// (`hostaddr`).
//
// A lookup abandoned while glibc's thread still works on it (cancel(), destruction, a new
// start()) cannot be freed then: it goes on a process-wide list and is freed by a later
// cancel() once glibc is done with it, so glibc never writes into freed memory.
#include <cstdint>
#include <string>
#include <vector>

namespace ringside {

class PgResolver {
 public:
  enum class Status : uint8_t { kIdle, kPending, kDone, kFailed };

  PgResolver() = default;
  ~PgResolver() { cancel(); }
  PgResolver(const PgResolver&) = delete;
  PgResolver& operator=(const PgResolver&) = delete;

  // Starts looking up `host` (TCP addresses, any family), abandoning a lookup in progress.
  void start(const std::string& host);
  // Checks the lookup without waiting. kDone: addresses() holds the result; kFailed: error().
  Status poll();
  // Numeric addresses in getaddrinfo's order (the order to try them), without repeats.
  const std::vector<std::string>& addresses() const { return addresses_; }
  const std::string& error() const { return error_; }
  // Abandons the lookup in progress, if any.
  void cancel();

 private:
  struct Request;  // what glibc writes into until the lookup is done: one allocation
  static void release(Request* request);
  static void abandon(Request* request);
  void finish(int rc);

  Request* request_ = nullptr;
  Status status_ = Status::kIdle;
  std::vector<std::string> addresses_;
  std::string error_;
};

}  // namespace ringside
