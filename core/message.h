#pragma once
// Typed messages between threads. A message type names its kind, `static constexpr uint16_t
// kKind` (the kinds themselves are the application's: model/messages.h), so a kind is never
// sent with the wrong struct: Mailbox::send(to, msg). It travels one of two ways:
//   - plain: a trivially copyable struct, copied as its bytes, and read only when the length
//     is exactly its size (an empty struct is no bytes at all);
//   - encoded: a type with its own encoding, `uint32_t encoded_size() const`,
//     `void encode(char* out) const` (exactly encoded_size() bytes) and
//     `static bool decode(std::string_view in, T* out)`, which checks every length before it
//     hands out a view into `in` and refuses anything else.
// A receiver registers one handler per kind (Mailbox::set_handler<&Owner::method>(owner)); a
// payload that does not decode is dropped with one `message_malformed` log line.
#include <concepts>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace ringside {

// Kinds index a handler table: every kind is below this.
inline constexpr uint16_t kMaxMessageKinds = 64;

template <class T>
concept MessageType = requires {
  { T::kKind } -> std::convertible_to<uint16_t>;
};

template <class T>
concept EncodedMessage = MessageType<T> &&
    requires(const T& m, char* out, std::string_view in, T* decoded) {
  { m.encoded_size() } -> std::same_as<uint32_t>;
  m.encode(out);
  { T::decode(in, decoded) } -> std::same_as<bool>;
};

template <class T>
concept PlainMessage = MessageType<T> && !EncodedMessage<T> && std::is_trivially_copyable_v<T>;

template <PlainMessage T>
inline constexpr uint32_t kPlainMessageBytes = std::is_empty_v<T> ? 0 : sizeof(T);

// Reads a payload of T's kind into `out`; false when it is not a well-formed T.
template <MessageType T>
bool decode_message(const void* payload, uint32_t len, T* out) {
  if constexpr (EncodedMessage<T>) {
    return T::decode(std::string_view(static_cast<const char*>(payload), len), out);
  } else {
    static_assert(PlainMessage<T>, "a message is plain (trivially copyable) or encoded");
    if (len != kPlainMessageBytes<T>) return false;
    if constexpr (!std::is_empty_v<T>) std::memcpy(out, payload, sizeof(T));
    return true;
  }
}

namespace message_detail {

// What a handler member function takes: (const T&) or (uint32_t from, const T&).
template <class>
struct Member;
template <class C, class T>
struct Member<void (C::*)(const T&)> {
  using Owner = C;
  using Message = T;
  static constexpr bool kTakesSender = false;
};
template <class C, class T>
struct Member<void (C::*)(uint32_t, const T&)> {
  using Owner = C;
  using Message = T;
  static constexpr bool kTakesSender = true;
};

[[gnu::cold]] void log_malformed(uint16_t kind, uint32_t from, uint32_t len);

// The handler-table entry of Method: decodes the payload, then calls the member.
template <auto Method>
void thunk(void* ctx, uint32_t from, const void* payload, uint32_t len) {
  using M = Member<decltype(Method)>;
  using T = typename M::Message;
  T msg;
  if (!decode_message(payload, len, &msg)) {
    log_malformed(T::kKind, from, len);
    return;
  }
  auto* owner = static_cast<typename M::Owner*>(ctx);
  if constexpr (M::kTakesSender) {
    (owner->*Method)(from, msg);
  } else {
    (owner->*Method)(msg);
  }
}

}  // namespace message_detail
}  // namespace ringside
