// Every JSON answer parser of backends/gameye/gameye_api.h on any bytes, as Gameye (or a proxy
// in front of it) could send them. Invariants: nothing crashes; a launch answer has a host; a
// violation's field is a piece of the body; a listed or described status is live whenever it
// is serving; a session label, read from either label shape (the flat map, or the JSON text
// under "tags"), is no longer than the body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "backends/gameye/gameye_api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  if (auto e = ringside::parse_launch_answer(body); e && e->host.empty()) abort();
  const std::string field = ringside::first_violation(body);
  if (field.size() > body.size()) abort();
  if (auto list = ringside::parse_session_list(body)) {
    for (const ringside::ListedSession& s : *list) {
      if (ringside::gameye_status_serving(s.status) && !ringside::gameye_status_live(s.status)) {
        abort();
      }
      if (s.session_label.size() > body.size()) abort();
    }
  }
  if (auto one = ringside::parse_described_session(body)) {
    if (ringside::gameye_status_serving(one->status) &&
        !ringside::gameye_status_live(one->status)) {
      abort();
    }
    if (one->session_label.size() > body.size()) abort();
  }
  return 0;
}
