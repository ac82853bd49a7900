// The wire form of the messages that have one (model/messages.h: those between nodes, and the
// larger ones between threads) on arbitrary bytes: the first byte picks the message, the rest
// is its payload. Nothing crashes or reads past the end, and whatever decodes re-encodes to
// exactly the bytes it came from (the form is canonical: a second encoding of the same message
// would be a second meaning to refuse).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "model/messages.h"

namespace {

template <class T>
void round_trip(std::string_view payload) {
  T m;
  if (!T::decode(payload, &m)) return;
  std::string again(m.encoded_size(), '\0');
  m.encode(again.data());
  if (again != payload) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ringside;
  if (size == 0) return 0;
  const std::string_view payload(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 14) {
    case 0:
      round_trip<PlaceSession>(payload);
      break;
    case 1:
      round_trip<StopSession>(payload);
      break;
    case 2:
      round_trip<SessionPhaseUpdate>(payload);
      break;
    case 3:
      round_trip<SessionRunning>(payload);
      break;
    case 4:
      round_trip<SessionUrl>(payload);
      break;
    case 5:
      round_trip<SessionFailed>(payload);
      break;
    case 6:
      round_trip<SessionStopped>(payload);
      break;
    case 7:
      round_trip<ForwardRequest>(payload);
      break;
    case 9:
      round_trip<StopForReason>(payload);
      break;
    case 10:
      round_trip<OperatorSessionsQuery>(payload);
      break;
    case 11:
      round_trip<OperatorSessionsPart>(payload);
      break;
    case 12:
      round_trip<BackendIdReply>(payload);
      break;
    case 13:
      round_trip<WebhookEventMade>(payload);
      break;
    default:
      round_trip<ForwardReply>(payload);
      break;
  }
  return 0;
}
