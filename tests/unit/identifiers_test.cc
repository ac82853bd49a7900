#include "model/identifiers.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace ringside {
namespace {

using namespace std::string_literals;

TEST(Identifiers, PlayerIdsArePrintableUtf8UpTo256Bytes) {
  for (std::string id : {"alice"s, "a"s, "Joueur \xC3\xA9l\xC3\xA8ve #7"s, "user@example.test"s,
                         "\xE2\x98\x83 snow"s, "\xF0\x9F\x98\x80"s, std::string(256, 'p'),
                         "idle-player"s, "outage-12"s}) {
    EXPECT_TRUE(is_valid_player_id(id)) << id;
  }
  for (std::string id :
       {""s, std::string(257, 'p'), "alice\0evil"s, "a\nb"s, "tab\there"s, "del\x7F"s,
        "c1\xC2\x85"s, "c1\xC2\x9F"s, "bad\xFF"s, "half\xC3"s, "\xED\xA0\x80"s /* a surrogate */}) {
    EXPECT_FALSE(is_valid_player_id(id)) << id;
  }
  EXPECT_TRUE(is_valid_player_id("nbsp\xC2\xA0ok"));  // U+00A0 is not a control character
}

TEST(Identifiers, SlugsAreLowercaseLettersDigitsAndDashDotUnderscore) {
  for (std::string_view slug :
       {"tlon-uqbar", "library-of-babel", "garden-of-forking-paths", "a", "0", "game_2", "v1.2"}) {
    EXPECT_TRUE(is_valid_slug(slug)) << slug;
  }
  EXPECT_TRUE(is_valid_slug(std::string(64, 'a')));
  for (std::string slug : {""s, std::string(65, 'a'), "Tlon"s, "-lead"s, ".hidden"s, ".."s, "_x"s,
                           "a b"s, "a/b"s, "a\0b"s, "caf\xC3\xA9"s, "a%20b"s}) {
    EXPECT_FALSE(is_valid_slug(slug)) << slug;
  }
}

TEST(Identifiers, LobbyUrlsAreHttpOrHttpsWithoutControlCharacters) {
  for (std::string url :
       {"https://lobby.example.test/room?a=1&b=two words#top/\xC3\xBC"s, "http://x"s,
        "HTTPS://LOBBY.EXAMPLE.TEST/"s, "https://" + std::string(2040, 'a')}) {
    EXPECT_TRUE(is_valid_lobby_url(url)) << url;
  }
  for (std::string url :
       {""s, "http://"s, "https://"s, "javascript:alert(1)"s, "ftp://lobby.example.test/"s,
        "//lobby.example.test"s, "https://lobby.example.test/\0x"s,
        "https://a/\r\nSet-Cookie: a=b"s, "https://" + std::string(2041, 'a'), "https://a/\xFF"s}) {
    EXPECT_FALSE(is_valid_lobby_url(url)) << url;
  }
}

}  // namespace
}  // namespace ringside
