// The floor any io_uring server pays: one thread, one ring, multishot accept, multishot recv
// into a provided buffer ring, and for every "\r\n\r\n" that arrives one fixed response.
// No parsing, no bodies, GET only: it answers what a real server cannot answer faster.
// Usage: raw_uring_responder PORT   (listens on 127.0.0.1)
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FDS 65536
#define BUF_COUNT 1024  // power of two, as the buffer ring requires
#define BUF_SIZE 4096
#define MAX_BATCH 256  // responses in one send; more wait for the next send
enum { OP_ACCEPT, OP_RECV, OP_SEND };

static const char kResponse[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"
    "{\"status\":\"ok\"}";
#define RESPONSE_LEN (sizeof(kResponse) - 1)
static char responses[MAX_BATCH * RESPONSE_LEN];  // kResponse, MAX_BATCH times over

struct conn {
  unsigned pending;  // requests counted but not yet answered
  unsigned matched;  // bytes of "\r\n\r\n" seen so far: the carry-over between recvs
  unsigned sending;  // bytes of the send in flight, 0 if none
  int recv_armed;
};
static struct conn conns[MAX_FDS];
static struct io_uring ring;
static struct io_uring_buf_ring* buf_ring;
static char bufs[BUF_COUNT][BUF_SIZE];

static struct io_uring_sqe* sqe_for(int fd, int op) {
  struct io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  if (!sqe) {  // submission queue full: flush it and take a fresh entry
    io_uring_submit(&ring);
    sqe = io_uring_get_sqe(&ring);
  }
  io_uring_sqe_set_data64(sqe, ((__u64)fd << 2) | op);
  return sqe;
}

static void arm_recv(int fd) {
  struct io_uring_sqe* sqe = sqe_for(fd, OP_RECV);
  io_uring_prep_recv_multishot(sqe, fd, NULL, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = 0;
  conns[fd].recv_armed = 1;
}

static void arm_accept(int lfd) {
  io_uring_prep_multishot_accept(sqe_for(lfd, OP_ACCEPT), lfd, NULL, NULL, 0);
}

// One send in flight per connection; MSG_WAITALL has the kernel finish short sends itself.
static void send_pending(int fd) {
  struct conn* c = &conns[fd];
  if (c->sending || c->pending == 0) return;
  unsigned n = c->pending < MAX_BATCH ? c->pending : MAX_BATCH;
  c->pending -= n;
  c->sending = n * RESPONSE_LEN;
  io_uring_prep_send(sqe_for(fd, OP_SEND), fd, responses, c->sending, MSG_NOSIGNAL | MSG_WAITALL);
}

// A connection's fd is closed only once neither a recv nor a send can still complete on it,
// so a new connection that reuses the fd never sees an old completion.
static void close_if_idle(int fd) {
  struct conn* c = &conns[fd];
  if (c->recv_armed || c->sending) return;
  close(fd);
  memset(c, 0, sizeof(*c));
}

static void count_requests(struct conn* c, const char* p, int n) {
  static const char kEnd[] = "\r\n\r\n";
  for (int i = 0; i < n; i++) {
    if (p[i] == kEnd[c->matched]) {
      if (++c->matched == 4) {
        c->pending++;
        c->matched = 0;
      }
    } else {
      c->matched = p[i] == '\r';
    }
  }
}

static void on_recv(int fd, struct io_uring_cqe* cqe) {
  struct conn* c = &conns[fd];
  if (cqe->res > 0) {
    unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
    count_requests(c, bufs[bid], cqe->res);
    io_uring_buf_ring_add(buf_ring, bufs[bid], BUF_SIZE, bid, io_uring_buf_ring_mask(BUF_COUNT), 0);
    io_uring_buf_ring_advance(buf_ring, 1);
    send_pending(fd);
  }
  if (cqe->flags & IORING_CQE_F_MORE) return;
  c->recv_armed = 0;
  // The kernel ends a multishot recv on its own too (ran out of buffers, or just chose to).
  if (cqe->res > 0 || cqe->res == -ENOBUFS)
    arm_recv(fd);
  else
    close_if_idle(fd);
}

static void on_send(int fd, int res) {
  struct conn* c = &conns[fd];
  // A failed send ends the connection: shutdown ends the armed recv, which then closes the fd.
  if (res != (int)c->sending) shutdown(fd, SHUT_RDWR);
  c->sending = 0;
  send_pending(fd);
  close_if_idle(fd);
}

int main(int argc, char** argv) {
  if (argc != 2) return fprintf(stderr, "usage: %s PORT\n", argv[0]), 2;
  for (int i = 0; i < MAX_BATCH; i++) memcpy(responses + i * RESPONSE_LEN, kResponse, RESPONSE_LEN);

  int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in addr = {.sin_family = AF_INET,
                             .sin_port = htons(atoi(argv[1])),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(lfd, (struct sockaddr*)&addr, sizeof(addr)) || listen(lfd, 4096))
    return perror("bind/listen"), 1;
  // As a real server on 6.1+ would: completions run only when this thread asks for them.
  int err =
      io_uring_queue_init(4096, &ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
  if (err) return fprintf(stderr, "io_uring_queue_init: %s\n", strerror(-err)), 1;

  // Provided buffer ring (liburing 2.3 has no io_uring_setup_buf_ring): mmap, register, fill.
  buf_ring = mmap(NULL, BUF_COUNT * sizeof(struct io_uring_buf), PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  struct io_uring_buf_reg reg = {.ring_addr = (unsigned long)buf_ring, .ring_entries = BUF_COUNT};
  if (buf_ring == MAP_FAILED || (err = io_uring_register_buf_ring(&ring, &reg, 0)))
    return fprintf(stderr, "buffer ring: %s\n", strerror(err ? -err : errno)), 1;
  io_uring_buf_ring_init(buf_ring);
  for (int i = 0; i < BUF_COUNT; i++)
    io_uring_buf_ring_add(buf_ring, bufs[i], BUF_SIZE, i, io_uring_buf_ring_mask(BUF_COUNT), i);
  io_uring_buf_ring_advance(buf_ring, BUF_COUNT);

  arm_accept(lfd);
  for (;;) {
    io_uring_submit_and_wait(&ring, 1);
    struct io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      int fd = (int)(cqe->user_data >> 2), op = (int)(cqe->user_data & 3);
      seen++;
      if (op == OP_RECV) {
        on_recv(fd, cqe);
      } else if (op == OP_SEND) {
        on_send(fd, cqe->res);
      } else {
        if (cqe->res >= MAX_FDS) close(cqe->res);  // beyond conns[]: refuse
        if (cqe->res >= 0 && cqe->res < MAX_FDS) arm_recv(cqe->res);
        if (!(cqe->flags & IORING_CQE_F_MORE)) arm_accept(lfd);
      }
    }
    io_uring_cq_advance(&ring, seen);
  }
}
