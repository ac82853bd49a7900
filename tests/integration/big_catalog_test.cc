// A catalog at its size bound: its listing is longer than one message of the cross-shard
// mailbox, and must neither fail nor hold up what travels behind it between the same shards
// (forwarded requests, the drain). A catalog past the bound is refused at start.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

#include "integration/api_client.h"
#include "integration/http_expect.h"
#include "integration/server_process.h"
#include "integration/sessions_fixture.h"

namespace ringside::itest {
namespace {

constexpr int kMaxGames = 1000;  // model/catalog.h

// {"games": [...]} with `count` games whose titles and images are as long as allowed.
std::string catalog_json(int count, size_t title_bytes = 256, size_t image_bytes = 512) {
  std::string json = R"({"games": [)";
  for (int i = 0; i < count; ++i) {
    const std::string n = std::to_string(i);
    if (i > 0) json += ",";
    json += R"({"slug": "game-)" + n + R"(", "title": ")" +
            std::string(title_bytes - n.size(), 't') + n + R"(", "image": "registry.test/)" + n +
            std::string(image_bytes - 14 - n.size(), 'i') + R"(", "sizeMb": 100})";
  }
  return json + "]}";
}

class BigCatalogTest : public SessionsTest {
 protected:
  void TearDown() override {
    SessionsTest::TearDown();
    if (!path_.empty()) std::filesystem::remove(path_);
  }

  std::string write_catalog(const std::string& json) {
    path_ = (std::filesystem::temp_directory_path() /
             ("ringside-itest-catalog-" + std::to_string(::getpid()) + ".json"))
                .string();
    std::ofstream(path_) << json;
    return path_;
  }

  std::string path_;
};

TEST_F(BigCatalogTest, ListingLongerThanAMailboxMessageCrossesShardsAndBlocksNothing) {
  ASSERT_TRUE(start({"--catalog", write_catalog(catalog_json(kMaxGames))}));
  // Players on both shards: whichever shard this connection landed on, half the requests
  // below are forwarded to the other.
  std::string tokens[2];
  for (int i = 0; tokens[0].empty() || tokens[1].empty(); ++i) {
    ASSERT_LT(i, 64) << "no player landed on one of the shards";
    std::string token = api().token_for("player-" + std::to_string(i));
    ASSERT_FALSE(token.empty());
    tokens[token[2] == 'a' ? 0 : 1] = token;
  }
  // Between listings, smaller forwarded answers (one game: about 900 bytes, 600 of them) move
  // the write position of the ring the answers travel in to where a message longer than half
  // the ring (1 MiB) cannot be placed, however drained the ring is.
  for (int round = 0; round < 4; ++round) {
    for (const std::string& token : tokens) {
      for (int i = 0; i < 600; ++i) {
        ASSERT_TRUE(has_status(api().game(token, "game-7"), 200)) << "round " << round;
      }
      auto r = api().games(token);
      ASSERT_TRUE(has_status(r, 200)) << "round " << round;
      EXPECT_GT(r->body.size(), size_t{512} * 1024) << "smaller than a mailbox message";
      Json games = json_of(r)["games"];
      ASSERT_EQ(games.size(), size_t{kMaxGames});
      EXPECT_EQ(games.at(kMaxGames - 1)["slug"].str(), "game-999");
      // Forwarded requests behind it keep flowing.
      ASSERT_TRUE(has_status(api().sessions(token), 200));
    }
  }
  EXPECT_EQ(server_.terminate_and_wait(SIGTERM, 10000), 0);
}

TEST(BigCatalogStartTest, ACatalogPastItsBoundsIsRefusedAtStart) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("ringside-itest-catalog-" + std::to_string(::getpid()) + ".json"))
                               .string();
  struct Case {
    std::string json;
    std::string says;
  };
  for (const Case& c : {
           Case{catalog_json(kMaxGames + 1), "at most 1000 games"},
           Case{catalog_json(1, 257), "title"},
           Case{catalog_json(1, 256, 513), "image"},
           Case{R"({"games":[{"slug":"A-b","title":"T","image":"i","sizeMb":1}]})", "slug"},
           Case{R"({"games":[{"slug":"ok","title":"T\u0000","image":"i","sizeMb":1}]})", "title"},
       }) {
    std::ofstream(path) << c.json;
    CompletedRun run = run_server_binary({"--catalog", path});
    EXPECT_EQ(run.exit_status, 2) << run.output;
    EXPECT_NE(run.output.find(c.says), std::string::npos) << run.output;
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace ringside::itest
