#include "store/pg/pg_resolver.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <mutex>

namespace ringside {

struct PgResolver::Request {
  std::string name;
  addrinfo hints{};
  gaicb cb{};
};

void PgResolver::release(Request* request) {
  if (request->cb.ar_result) freeaddrinfo(request->cb.ar_result);
  delete request;
}

void PgResolver::abandon(Request* request) {
  // Lookups abandoned while glibc was still working on them: kept (reachable, not leaked)
  // until it is done, and freed by a later abandon.
  static std::mutex mutex;
  static std::vector<Request*> orphans;
  std::lock_guard lock(mutex);
  std::erase_if(orphans, [](Request* r) {
    if (gai_error(&r->cb) == EAI_INPROGRESS) return false;
    release(r);
    return true;
  });
  // EAI_CANCELED: glibc never started it; EAI_ALLDONE: glibc is done with it.
  if (gai_cancel(&request->cb) == EAI_NOTCANCELED) {
    orphans.push_back(request);
  } else {
    release(request);
  }
}

void PgResolver::start(const std::string& host) {
  cancel();
  addresses_.clear();
  error_.clear();
  request_ = new Request;
  request_->name = host;
  request_->hints.ai_family = AF_UNSPEC;
  request_->hints.ai_socktype = SOCK_STREAM;  // as libpq asks: one entry per address
  request_->cb.ar_name = request_->name.c_str();
  request_->cb.ar_request = &request_->hints;
  gaicb* list[] = {&request_->cb};
  status_ = Status::kPending;
  int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, nullptr);
  if (rc != 0) finish(rc);  // not even queued (EAI_AGAIN, EAI_MEMORY): glibc holds nothing
}

PgResolver::Status PgResolver::poll() {
  if (status_ == Status::kPending) {
    int rc = gai_error(&request_->cb);
    if (rc != EAI_INPROGRESS) finish(rc);
  }
  return status_;
}

void PgResolver::finish(int rc) {
  if (rc == 0) {
    for (const addrinfo* ai = request_->cb.ar_result; ai; ai = ai->ai_next) {
      char host[NI_MAXHOST];
      if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, nullptr, 0, NI_NUMERICHOST) !=
          0) {
        continue;
      }
      if (std::find(addresses_.begin(), addresses_.end(), host) == addresses_.end()) {
        addresses_.emplace_back(host);
      }
    }
    if (addresses_.empty()) rc = EAI_NONAME;
  }
  if (rc != 0) error_ = gai_strerror(rc);
  status_ = rc == 0 ? Status::kDone : Status::kFailed;
  release(request_);
  request_ = nullptr;
}

void PgResolver::cancel() {
  if (request_) abandon(request_);
  request_ = nullptr;
  if (status_ == Status::kPending) status_ = Status::kIdle;
}

}  // namespace ringside
