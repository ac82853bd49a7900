// The reader of another node's answers (http/peer_response.*): whatever a peer (or something
// pretending to be one) sends, parsing neither crashes nor reads outside its input; an answer
// read whole is read the same with anything after it, and reads as "need more" when cut short,
// so an answer split across reads is never taken for a different one.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/peer_response.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A copy, so the sanitizer sees reads past the input's end.
  const std::string in(reinterpret_cast<const char*>(data), size);
  ringside::PeerResponse r;
  const ringside::PeerParse result = ringside::parse_peer_response(in, &r);
  if (result != ringside::PeerParse::kDone) return 0;

  check(r.size <= in.size() && r.status >= 100 && r.status <= 999);
  check(r.body.data() >= in.data() && r.body.data() + r.body.size() == in.data() + r.size);

  const std::string whole = in.substr(0, r.size);
  ringside::PeerResponse again;
  check(ringside::parse_peer_response(whole, &again) == ringside::PeerParse::kDone);
  check(again.status == r.status && again.close == r.close && again.size == r.size &&
        again.body == r.body);

  for (size_t cut : {r.size - 1, r.size / 2}) {
    ringside::PeerResponse partial;
    check(ringside::parse_peer_response(whole.substr(0, cut), &partial) ==
          ringside::PeerParse::kNeedMore);
  }
  return 0;
}
