#include "store/pg/pg_poller.h"

#include <poll.h>

namespace ringside {

PgPoller::PgPoller(Reactor& reactor, PgConnection& connection)
    : reactor_(reactor), connection_(connection) {
  timer_.poller = this;
  timer_.on_fire = &PgPoller::on_timer;
  watched_fd_generation_ = connection_.fd_generation();
  reactor_.set_completion_handler(kStoreCompletion, &PgPoller::on_completion, this);
  reactor_.add_batch_end_hook(&PgPoller::on_batch_end, this);
  // A connection that is already running (built batches included) is picked up at once.
  on_batch_end(this);
}

PgPoller::~PgPoller() {
  reactor_.timers().cancel(&timer_);
  cancel_polls();
  reactor_.set_completion_handler(kStoreCompletion, nullptr, nullptr);
}

void PgPoller::start() {
  connection_.start(reactor_.now_ms());
  rearm();
}

void PgPoller::on_completion(void* ctx, const io_uring_cqe& cqe) {
  auto* self = static_cast<PgPoller*>(ctx);
  // A poll on a socket the connection has since left (cancelled or not): nothing to do.
  if (user_data_generation(cqe.user_data) != self->generation_) return;
  uint32_t which = user_data_index(cqe.user_data);
  self->armed_[which] = false;
  // An error (re-armed at the end of the iteration), or readiness of a socket the connection
  // left earlier in this iteration (rearm() has not caught up yet).
  if (cqe.res < 0 || self->connection_.fd_generation() != self->watched_fd_generation_) return;
  // POLLERR and POLLHUP come with either kind; libpq finds the error when it reads or writes.
  if (which == kReadPoll) {
    self->connection_.on_readable(self->reactor_.now_ms());
  } else {
    self->connection_.on_writable(self->reactor_.now_ms());
  }
}

void PgPoller::on_batch_end(void* ctx) {
  auto* self = static_cast<PgPoller*>(ctx);
  self->connection_.flush(self->reactor_.now_ms());
  self->rearm();
}

void PgPoller::on_timer(TimerNode* node) {
  PgPoller* self = static_cast<Timer*>(node)->poller;
  self->connection_.on_timer(self->reactor_.now_ms());
}

void PgPoller::cancel_polls() {
  for (uint32_t which : {kReadPoll, kWritePoll}) {
    if (!armed_[which]) continue;
    io_uring_sqe* sqe = reactor_.sqe();
    io_uring_prep_cancel64(sqe, pack_user_data(kStoreCompletion, generation_, which), 0);
    io_uring_sqe_set_data64(sqe, pack_user_data(kIgnoredCompletion, 0, 0));
    armed_[which] = false;
  }
}

void PgPoller::arm_poll(uint32_t which, unsigned events) {
  io_uring_sqe* sqe = reactor_.sqe();
  io_uring_prep_poll_add(sqe, connection_.fd(), events);
  io_uring_sqe_set_data64(sqe, pack_user_data(kStoreCompletion, generation_, which));
  armed_[which] = true;
}

void PgPoller::rearm() {
  if (connection_.fd_generation() != watched_fd_generation_) {
    cancel_polls();
    watched_fd_generation_ = connection_.fd_generation();
    generation_ = (generation_ + 1) & 0xFFFFFFu;
  }
  if (connection_.fd() >= 0) {
    if (connection_.wants_read() && !armed_[kReadPoll]) arm_poll(kReadPoll, POLLIN);
    if (connection_.wants_write() && !armed_[kWritePoll]) arm_poll(kWritePoll, POLLOUT);
  }
  uint64_t deadline = connection_.next_deadline_ms();
  if (deadline == PgConnection::kNoDeadline) {
    reactor_.timers().cancel(&timer_);
  } else if (!timer_.armed() || timer_.deadline_ms != deadline) {
    reactor_.timers().arm(&timer_, deadline);
  }
}

}  // namespace ringside
