// A database written before partitions keeps working (docs/cluster.md: "Ids and partitions").
// Rows are seeded as a node of before wrote them: a shard in the `shard` column and no
// partition, ids and the token spelled with that shard (the legacy scheme), the token derived
// with the node's secret. After the upgrade the old token still answers, hands back the same
// text on a re-launch, and finds its sessions and slot by their old ids, with the same shard
// count and with another.
#include <string>

#include "durable/durable_fixture.h"
#include "model/ids.h"
#include "model/partition.h"
#include "model/token_hash.h"
#include "model/token_minter.h"
#include "store/token_secret_file.h"

namespace ringside::durable {
namespace {

using itest::Json;
using itest::json_of;

std::string hex(const uint8_t* bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 15]);
  }
  return out;
}

class LegacyIdsTest : public DurableTest {
 protected:
  // A player whose legacy shard (2 shards) is not the shard of its partition on 3 shards, so
  // the change of shard count below moves it.
  void SetUp() override {
    for (int i = 0;; ++i) {
      player_ = "legacy-player-" + std::to_string(i);
      const uint16_t p = partition_of_player(player_);
      if (p % 2 != p % 3) break;
    }
    shard_ = static_cast<uint16_t>(shard_of_player(player_, 2));
  }

  // What a 2-shard node of before left: the player, a token session, a save slot and an ended
  // session, all with the legacy spelling. Needs the secret file (a first start made it).
  void seed_legacy_rows() {
    TokenMinter::Secret secret;
    std::string error;
    ASSERT_TRUE(load_or_create_secret(secret_file(), &secret, &error)) << error;
    const IdOwner legacy{shard_, true};
    const Id128 seed = random_id128();
    char token[kIdTextLength];
    TokenMinter(secret).mint(seed, 0, legacy, token);
    token_ = std::string(token, kIdTextLength);
    slot_ = id_to_string(IdKind::kSaveSlot, legacy, random_id128());
    session_ = id_to_string(IdKind::kSession, legacy, random_id128());
    const auto seed_bytes = id128_bytes(seed);
    const TokenHash hash = hash_token(token_);
    const std::string s = std::to_string(shard_);
    db().exec("INSERT INTO players (id, shard) VALUES ('" + player_ + "', " + s + ")");
    db().exec(
        "INSERT INTO token_sessions (seed, player_id, shard, game_slug, generation, token_hash,"
        " expires_at) VALUES (decode('" +
        hex(seed_bytes.data(), seed_bytes.size()) + "', 'hex'), '" + player_ + "', " + s + ", '" +
        std::string(kGame) + "', 0, decode('" + hex(hash.bytes.data(), hash.bytes.size()) +
        "', 'hex'), now() + interval '1 hour')");
    db().exec(
        "INSERT INTO save_slots (id, player_id, shard, game_slug, created_at, updated_at,"
        " size_bytes) VALUES ('" +
        slot_ + "', '" + player_ + "', " + s + ", '" + std::string(kGame) +
        "', now() - interval '2 hours', now() - interval '1 hour', 4096)");
    db().exec(
        "INSERT INTO sessions (id, player_id, shard, game_slug, save_slot_id, status,"
        " started_at, last_keepalive_at, ended_at, end_reason, running_at) VALUES ('" +
        session_ + "', '" + player_ + "', " + s + ", '" + std::string(kGame) + "', '" + slot_ +
        "', 'stopped', now() - interval '2 hours', now() - interval '1 hour',"
        " now() - interval '1 hour', 'stopped', now() - interval '2 hours')");
  }

  // What the old token sees: its session by its old id, in the history, and its slot.
  void expect_legacy_state_answers() {
    auto history = api().history(token_);
    ASSERT_TRUE(history && history->status == 200) << (history ? history->body : api().error());
    const Json list = json_of(history);
    ASSERT_GE(list.size(), 1u) << history->body;
    bool found = false;
    for (size_t i = 0; i < list.size(); ++i) found |= list.at(i)["sessionId"].str() == session_;
    EXPECT_TRUE(found) << history->body;
    const Json details = json_of(api().details(token_, session_));
    EXPECT_EQ("stopped", details["status"].str()) << details.text();
    EXPECT_EQ(slot_, details["saveSlotId"].str()) << details.text();
    auto slots = api().save_slots(token_);
    ASSERT_TRUE(slots && slots->status == 200);
    EXPECT_NE(std::string::npos, slots->body.find(slot_)) << slots->body;
  }

  std::string player_, token_, slot_, session_;
  uint16_t shard_ = 0;
};

TEST_F(LegacyIdsTest, AnOldTokenAnswersAfterTheUpgradeAndAShardCountChange) {
  ASSERT_TRUE(start());  // creates the schema and the secret file
  ASSERT_EQ(0, stop_gracefully());
  seed_legacy_rows();

  // The same 2 shards: every row gets its partition, the old token routes through the map.
  ASSERT_TRUE(start());
  expect_legacy_state_answers();
  EXPECT_EQ("0", db().value("SELECT count(*) FROM players WHERE partition IS NULL"));
  // A re-launch hands back the very token it handed out before the upgrade.
  EXPECT_EQ(token_, api().token_for(player_, kGame));
  // Continuing the old slot: the new session's id names the partition; the slot keeps its id.
  const std::string body =
      "{\"gameSlug\":\"" + std::string(kGame) + "\",\"saveSlotId\":\"" + slot_ + "\"}";
  const std::string fresh = api().launch_running(token_, body);
  ASSERT_FALSE(fresh.empty());
  EXPECT_EQ(partition_of_id(fresh, IdKind::kSession), partition_of_player(player_));
  EXPECT_EQ(slot_, json_of(api().details(token_, fresh))["saveSlotId"].str());
  ASSERT_TRUE(api().stop_ok(token_, fresh).exists());
  ASSERT_EQ(0, stop_gracefully());

  // Three shards: the player's shard moves; the old token still finds it.
  ASSERT_TRUE(start({"--shards", "3"}));
  expect_legacy_state_answers();
  EXPECT_EQ(token_, api().token_for(player_, kGame));
  const Json again = json_of(api().details(token_, fresh));
  EXPECT_EQ("stopped", again["status"].str()) << again.text();
  // A refresh mints a token that names the partition; it works, and so does the old one in
  // its grace period.
  auto refreshed = api().refresh(token_);
  ASSERT_TRUE(refreshed && refreshed->status == 200);
  const std::string new_token = json_of(refreshed)["sessionToken"].str();
  EXPECT_EQ(partition_of_id(new_token, IdKind::kToken), partition_of_player(player_));
  EXPECT_EQ(200, api().history(new_token)->status);
  EXPECT_EQ(200, api().history(token_)->status);
}

}  // namespace
}  // namespace ringside::durable
