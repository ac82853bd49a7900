// The request parser fed a byte stream of pipelined requests the way a connection feeds it
// (http/http_server.cc): whole requests parsed in place in the receive buffer, a partial one
// copied into the connection's buffer and the parser rebased onto it. The same stream is fed
// once in one piece and once cut at arbitrary points; both must give the same requests, in
// the same order, with the same fields, and end the same way (the same error status, or
// waiting for more). Anything else means the answers a client gets depend on how TCP
// segmented its bytes.
//
// Input: byte 0 says how many cut lengths follow (1..8); those bytes (each + 1) are the
// lengths of the pieces, used in turn until the stream (the rest of the input) is fed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_buffer.h"
#include "http/limits.h"
#include "http/request_parser.h"

namespace {

using ringside::RequestParser;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

struct Seen {
  int method;
  std::string target, path, query, authorization, body;
  bool keep_alive;
  bool operator==(const Seen&) const = default;
};

// One connection's input side, as http_server.cc's feed(), parse_buffered() and parse() drive
// it for requests answered at once.
class Connection {
 public:
  void feed(const char* data, size_t len) {
    if (done_) return;
    if (in_.empty()) {
      parse(data, len, 0);
      if (done_) return;
      if (parser_.in_message() && parser_.message_start()) {
        const char* start = parser_.message_start();
        check(start >= data && start <= data + len);
        in_.append(start, static_cast<size_t>(data + len - start));
        in_parsed_ = in_.size();
        parser_.rebase(in_.data());
      }
    } else {
      in_.append(data, len);
      if (parser_.in_message()) parser_.rebase(in_.data());
      parse(in_.data(), in_.size(), in_parsed_);
      if (done_) return;
      if (parser_.in_message() && parser_.message_start()) {
        in_.consume(static_cast<size_t>(parser_.message_start() - in_.data()));
        parser_.rebase(in_.data());
        in_parsed_ = in_.size();
      } else {
        in_.clear();
        in_parsed_ = 0;
      }
    }
  }

  const std::vector<Seen>& seen() const { return seen_; }
  int error() const { return error_; }

 private:
  void parse(const char* region, size_t len, size_t pos) {
    while (pos < len) {
      size_t used = 0;
      RequestParser::Status status = parser_.execute(region + pos, len - pos, &used);
      check(used <= len - pos);
      pos += used;
      if (status == RequestParser::Status::kError) {
        check(parser_.error_status() >= 400 && parser_.error_status() <= 505);
        check(!parser_.error_message().empty());
        error_ = parser_.error_status();
        done_ = true;
        return;
      }
      if (status == RequestParser::Status::kNeedMore) {
        check(pos == len);
        if (parser_.in_message() && !parser_.headers_complete() &&
            parser_.message_bytes(region + len) > ringside::kMaxHeaderBytes) {
          error_ = 431;
          done_ = true;
        }
        return;
      }
      const ringside::Request& r = parser_.request();
      check(r.body.size() <= ringside::kMaxBodyBytes);
      check(r.target.size() <= ringside::kMaxUriBytes);
      seen_.push_back({static_cast<int>(r.method), std::string(r.target), std::string(r.path),
                       std::string(r.query), std::string(r.authorization), std::string(r.body),
                       r.keep_alive});
      if (!r.keep_alive) {
        done_ = true;  // answered with "Connection: close": nothing after it is read
        return;
      }
    }
  }

  RequestParser parser_;
  ringside::ByteBuffer in_;
  size_t in_parsed_ = 0;
  std::vector<Seen> seen_;
  int error_ = 0;
  bool done_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t cuts = std::min<size_t>(data[0] % 8 + 1, size - 1);
  const uint8_t* lengths = data + 1;
  // A copy per feed, so the sanitizer sees any read past a piece or of a piece already gone.
  const std::string stream(reinterpret_cast<const char*>(data) + 1 + cuts, size - 1 - cuts);

  Connection whole;
  {
    std::string piece = stream;
    whole.feed(piece.data(), piece.size());
  }
  Connection split;
  for (size_t pos = 0, i = 0; pos < stream.size(); ++i) {
    const size_t n = std::min<size_t>(lengths[i % cuts] + 1u, stream.size() - pos);
    std::string piece = stream.substr(pos, n);
    split.feed(piece.data(), piece.size());
    pos += n;
  }

  check(whole.seen() == split.seen());
  check(whole.error() == split.error());
  return 0;
}
