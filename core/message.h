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
// payload that does not decode is dropped with one `message_malformed` log line. A decoded
// message is still input of unknown origin: a handler whose message carries a value it must
// check against its own state (an index into its tables, say) returns bool, and false refuses
// the message, logged and counted the same way.
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

// What a handler member function takes: (const T&) or (uint32_t from, const T&); it returns
// void, or bool (false: the message is refused as malformed).
template <class>
struct Member;
template <class C, class R, class T>
struct Member<R (C::*)(const T&)> {
  using Owner = C;
  using Message = T;
  using Result = R;
  static constexpr bool kTakesSender = false;
};
template <class C, class R, class T>
struct Member<R (C::*)(uint32_t, const T&)> {
  using Owner = C;
  using Message = T;
  using Result = R;
  static constexpr bool kTakesSender = true;
};

// One line for a message dropped as malformed: it did not decode, or its handler refused it.
[[gnu::cold]] void log_malformed(uint16_t kind, uint32_t from, uint32_t len);

// The handler-table entry of Method: decodes the payload, then calls the member. False when
// the payload does not decode or the member refused the message.
template <auto Method>
bool thunk(void* ctx, uint32_t from, const void* payload, uint32_t len) {
  using M = Member<decltype(Method)>;
  using T = typename M::Message;
  using R = typename M::Result;
  static_assert(std::is_void_v<R> || std::is_same_v<R, bool>, "a handler returns void or bool");
  T msg;
  if (!decode_message(payload, len, &msg)) return false;
  auto* owner = static_cast<typename M::Owner*>(ctx);
  const auto call = [&] {
    if constexpr (M::kTakesSender) {
      return (owner->*Method)(from, msg);
    } else {
      return (owner->*Method)(msg);
    }
  };
  if constexpr (std::is_same_v<R, bool>) {
    return call();
  } else {
    call();
    return true;
  }
}

}  // namespace message_detail
}  // namespace ringside
