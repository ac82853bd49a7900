#include "tools/gameye-standin/gameye_error.h"

#include <cstdio>

#include "core/json_writer.h"

namespace ringside::gameye_standin {

void render_error(Reply& reply, const GameyeError& error, std::string_view path,
                  int64_t unix_seconds, uint64_t trace, std::span<const Violation> violations) {
  // A UUID-shaped trace id, numbered so that runs are reproducible.
  char identifier[40];
  std::snprintf(identifier, sizeof identifier, "00000000-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(trace & 0xFFFFFFFFFFFFull));
  reply.set_status(error.status);
  reply.set_content_type(kJsonContentType);
  reply.body().clear();
  JsonWriter w(reply.body());
  w.begin_object()
      .key("statusCode")
      .value(uint32_t{error.status})
      .key("code")
      .value(error.code)
      .key("message")
      .value(error.message)
      .key("details")
      .value(error.details)
      .key("path")
      .value(path)
      .key("identifier")
      .value(std::string_view(identifier))
      .key("timestamp")
      .timestamp(unix_seconds);
  if (!violations.empty()) {
    w.key("violations").begin_array();
    for (const Violation& v : violations) {
      w.begin_object()
          .key("field")
          .value(std::string_view(v.field))
          .key("description")
          .value(std::string_view(v.description))
          .end_object();
    }
    w.end_array();
  }
  w.end_object();
}

}  // namespace ringside::gameye_standin
