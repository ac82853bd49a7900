#include "core/owner_thread.h"

#ifdef RINGSIDE_THREAD_CHECKS
#include <cstdio>
#include <cstdlib>

namespace ringside {

void OwnerThread::fail(const char* what) {
  std::fprintf(stderr,
               "ringside: %s called on a thread that does not own it (a reactor's state belongs "
               "to the thread that constructed it)\n",
               what);
  std::abort();
}

}  // namespace ringside
#endif
