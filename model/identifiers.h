#pragma once
// The identifiers clients and operators send, and the one rule each must meet before it goes
// anywhere (docs/api-inputs.md). Every route that takes one checks it here and answers 400
// invalid_request naming the field otherwise. Control characters are refused everywhere: a
// NUL, for one, ends a PostgreSQL text parameter, so "alice\0evil" would be stored as "alice".
#include <cstddef>
#include <string_view>

namespace ringside {

inline constexpr size_t kMaxPlayerIdBytes = 256;
inline constexpr size_t kMaxSlugBytes = 64;
inline constexpr size_t kMaxLobbyUrlBytes = 2048;

// True for valid UTF-8 without control characters (C0, DEL, C1).
bool is_printable_utf8(std::string_view s);

// 1 to 256 bytes of printable UTF-8 (spaces included).
bool is_valid_player_id(std::string_view s);

// 1 to 64 bytes of [a-z0-9._-], starting with a letter or digit: every slug a catalog may hold
// (model/catalog.cc), and so every slug worth looking up.
bool is_valid_slug(std::string_view s);

// http:// or https:// (any case) and at most 2048 bytes of printable UTF-8.
bool is_valid_lobby_url(std::string_view s);

// The slug rule in words, for the catalog's start-up error.
inline constexpr std::string_view kSlugRule =
    "1 to 64 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit";

// What a 400 says when one is not.
inline constexpr std::string_view kBadPlayerIdField =
    "Field 'playerId' must be 1 to 256 bytes of UTF-8 text without control characters.";
inline constexpr std::string_view kBadGameSlugField =
    "Field 'gameSlug' must be 1 to 64 lowercase letters, digits, '-', '_' or '.', starting "
    "with a letter or digit.";
inline constexpr std::string_view kBadGameSlugQuery =
    "Query parameter 'gameSlug' must be 1 to 64 lowercase letters, digits, '-', '_' or '.', "
    "starting with a letter or digit.";
inline constexpr std::string_view kBadSlugPath =
    "Path parameter 'slug' must be 1 to 64 lowercase letters, digits, '-', '_' or '.', "
    "starting with a letter or digit.";
inline constexpr std::string_view kBadLobbyUrlField =
    "Field 'lobbyUrl' must be an http:// or https:// URL of at most 2048 bytes without control "
    "characters.";

}  // namespace ringside
