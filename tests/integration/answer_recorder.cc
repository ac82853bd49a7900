#include "integration/answer_recorder.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "core/byte_buffer.h"
#include "core/json_writer.h"

namespace ringside::itest {
namespace {

// The file this process appends to, opened on the first answer; -1 when not recording.
int record_fd() {
  static const int fd = [] {
    const char* dir = std::getenv("RINGSIDE_RECORD_ANSWERS");
    if (dir == nullptr || *dir == '\0') return -1;
    const std::string path = std::string(dir) + "/answers-" + std::to_string(::getpid()) + ".jsonl";
    return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  }();
  return fd;
}

}  // namespace

void record_answer(std::string_view method, std::string_view target, const HttpResponse& response) {
  const int fd = record_fd();
  if (fd < 0 || !response.header("Content-Type").starts_with("application/json")) return;
  ByteBuffer line;
  JsonWriter w(line);
  w.begin_object().key("method").value(method).key("path").value(target);
  w.key("status").value(response.status).key("body").value(response.body).end_object();
  line.push_back('\n');
  // One write per line with O_APPEND: lines of concurrent test processes never interleave.
  const std::string_view text = line.view();
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    std::abort();  // a recording with holes would validate less than it claims
  }
}

}  // namespace ringside::itest
