#include "core/message.h"

#include "core/log.h"

namespace ringside::message_detail {

void log_malformed(uint16_t kind, uint32_t from, uint32_t len) {
  log_error("message_malformed").kv("kind", unsigned{kind}).kv("from", from).kv("len", len);
}

}  // namespace ringside::message_detail
