// Loading by partition against a real server: stream_partition_state reads exactly the rows
// of the partitions it is given (start-up loads a shard's, a node taking a partition over loads
// that one), load_state gives rows written before partitions theirs and finds the legacy
// tokens among them, and rows of a game a reload removed still load.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "model/catalog.h"
#include "model/partition.h"
#include "model/token_hash.h"
#include "model/token_minter.h"
#include "store/durable/state_loader.h"
#include "store/token_store.h"
#include "tests/pg/pg_test_env.h"

namespace ringside::pgtest {
namespace {

std::string hex(const Id128& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : id128_bytes(id)) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

std::string hash_hex(std::string_view token) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : hash_token(token).bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

std::string token_text(const TokenMinter& minter, const Id128& seed, uint32_t generation,
                       IdOwner owner) {
  char out[kIdTextLength];
  minter.mint(seed, generation, owner, out);
  return std::string(out, kIdTextLength);
}

class PartitionLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(apply_all_migrations(db_.url()));
    // Two players of different partitions.
    alice_ = "alice";
    for (int i = 0; bob_.empty() || partition_of_player(bob_) == partition_of_player(alice_); ++i) {
      bob_ = "bob-" + std::to_string(i);
    }
  }

  // A player with a token session, a save slot, an ended and an active session, written as
  // ringside writes them now (partition column, ids naming the partition).
  void seed(const std::string& player) {
    const uint16_t p = partition_of_player(player);
    const std::string part = std::to_string(p);
    const IdOwner owner = IdOwner::partition(p);
    const std::string slot = id_to_string(IdKind::kSaveSlot, owner, random_id128());
    admin_.exec("INSERT INTO players (id, partition) VALUES ('" + player + "', " + part + ")");
    admin_.exec(
        "INSERT INTO token_sessions (seed, player_id, partition, generation, token_hash,"
        " expires_at) VALUES (decode('" +
        hex(random_id128()) + "', 'hex'), '" + player + "', " + part +
        ", 0, sha256(random()::text::bytea), now() + interval '1 hour')");
    admin_.exec(
        "INSERT INTO save_slots (id, player_id, partition, game_slug, created_at, updated_at)"
        " VALUES ('" +
        slot + "', '" + player + "', " + part + ", '" + game() + "', now(), now())");
    for (const char* status : {"stopped", "running"}) {
      const bool ended = std::string(status) == "stopped";
      admin_.exec(
          "INSERT INTO sessions (id, player_id, partition, game_slug, save_slot_id, status,"
          " started_at, last_keepalive_at, ended_at, end_reason) VALUES ('" +
          id_to_string(IdKind::kSession, owner, random_id128()) + "', '" + player + "', " + part +
          ", '" + game() + "', '" + slot + "', '" + status + "', now() - interval '1 hour'," +
          " now(), " + (ended ? "now(), 'stopped'" : "NULL, NULL") + ")");
    }
  }

  std::string game() const { return catalog_.games()[0].slug; }

  // Every row stream_partition_state hands over for `partitions`, batches merged.
  ShardState load(std::vector<uint16_t> partitions, ShardLoadCounts* counts) {
    ShardState all;
    std::string error;
    EXPECT_TRUE(stream_partition_state(
        db_.url(), catalog_, servers_, partitions,
        [&](ShardState& batch) {
          for (std::string& p : batch.players) all.players.push_back(std::move(p));
          for (LoadedToken& t : batch.tokens) all.tokens.push_back(std::move(t));
          for (LoadedSlot& s : batch.slots) all.slots.push_back(std::move(s));
          for (LoadedSession& s : batch.sessions) all.sessions.push_back(std::move(s));
        },
        counts, &error))
        << error;
    return all;
  }

  ScratchDatabase db_;
  Admin admin_{db_.url()};
  Catalog catalog_ = Catalog::demo();
  std::vector<GameServerInfo> servers_;
  std::string alice_, bob_;
};

TEST_F(PartitionLoadTest, StreamsExactlyTheRowsOfThePartitionsGiven) {
  seed(alice_);
  seed(bob_);
  const uint16_t pa = partition_of_player(alice_);

  ShardLoadCounts counts;
  const ShardState alice = load({pa}, &counts);
  EXPECT_EQ(alice.players, std::vector<std::string>{alice_});
  ASSERT_EQ(alice.tokens.size(), 1u);
  EXPECT_EQ(alice.tokens[0].player_id, alice_);
  EXPECT_EQ(alice.tokens[0].legacy_shard, -1);
  ASSERT_EQ(alice.slots.size(), 1u);
  EXPECT_EQ(alice.slots[0].player_id, alice_);
  EXPECT_EQ(alice.slots[0].owner, IdOwner::partition(pa));
  ASSERT_EQ(alice.sessions.size(), 2u);
  // Ended first, then the active one; both of alice's, their ids naming her partition.
  EXPECT_EQ(alice.sessions[0].status, SessionStatus::kStopped);
  EXPECT_EQ(alice.sessions[1].status, SessionStatus::kRunning);
  for (const LoadedSession& s : alice.sessions) {
    EXPECT_EQ(s.player_id, alice_);
    EXPECT_EQ(s.owner, IdOwner::partition(pa));
    EXPECT_EQ(s.slot, alice.slots[0].id);
  }
  EXPECT_EQ(counts.players, 1u);
  EXPECT_EQ(counts.tokens, 1u);
  EXPECT_EQ(counts.slots, 1u);
  EXPECT_EQ(counts.sessions, 2u);
  EXPECT_EQ(counts.skipped, 0u);

  ShardLoadCounts both_counts;
  const ShardState both = load({pa, partition_of_player(bob_)}, &both_counts);
  std::vector<std::string> players = both.players;
  std::sort(players.begin(), players.end());
  EXPECT_EQ(players, (std::vector<std::string>{alice_, bob_}));
  EXPECT_EQ(both_counts.sessions, 4u);

  ShardLoadCounts none;
  const ShardState nothing = load({}, &none);
  EXPECT_TRUE(nothing.players.empty());
  EXPECT_EQ(none.players + none.tokens + none.slots + none.sessions, 0u);
}

// Rows written before 0005 (a shard, no partition; ids and tokens spelling the shard): the
// start-up fill gives them their partition, after which they load by partition like any, and
// the legacy tokens still live are found by deriving them again.
TEST_F(PartitionLoadTest, LoadStateGivesOldRowsTheirPartitionAndFindsTheirTokens) {
  const TokenMinter minter(TokenMinter::random_secret());
  const uint16_t pa = partition_of_player(alice_);
  const uint16_t shard = static_cast<uint16_t>(pa % 2);  // as a 2-shard node hashed alice
  const IdOwner legacy{shard, true};
  const std::string s = std::to_string(shard);
  // A token session never refreshed, and one refreshed after the upgrade (its current token
  // names the partition, its replaced one, still in grace, the shard).
  const Id128 kept = random_id128(), refreshed = random_id128(), slid = random_id128();
  const std::string kept_token = token_text(minter, kept, 0, legacy);
  // One expired by this node's reading, whose expiry another node may have slid since.
  const std::string slid_token = token_text(minter, slid, 0, legacy);
  const std::string old_token = token_text(minter, refreshed, 0, legacy);
  const std::string new_token = token_text(minter, refreshed, 1, IdOwner::partition(pa));
  const std::string session = id_to_string(IdKind::kSession, legacy, random_id128());
  admin_.exec("INSERT INTO players (id, shard) VALUES ('" + alice_ + "', " + s + ")");
  admin_.exec(
      "INSERT INTO token_sessions (seed, player_id, shard, generation, token_hash, expires_at)"
      " VALUES (decode('" +
      hex(kept) + "', 'hex'), '" + alice_ + "', " + s + ", 0, decode('" + hash_hex(kept_token) +
      "', 'hex'), now() + interval '1 hour')");
  admin_.exec(
      "INSERT INTO token_sessions (seed, player_id, shard, generation, token_hash, expires_at)"
      " VALUES (decode('" +
      hex(slid) + "', 'hex'), '" + alice_ + "', " + s + ", 0, decode('" + hash_hex(slid_token) +
      "', 'hex'), now() - interval '1 minute')");
  admin_.exec(
      "INSERT INTO token_sessions (seed, player_id, shard, game_slug, generation, token_hash,"
      " previous_hash, previous_dead_at, expires_at) VALUES (decode('" +
      hex(refreshed) + "', 'hex'), '" + alice_ + "', " + s + ", '" + game() + "', 1, decode('" +
      hash_hex(new_token) + "', 'hex'), decode('" + hash_hex(old_token) +
      "', 'hex'), now() + interval '1 minute', now() + interval '1 hour')");
  admin_.exec(
      "INSERT INTO sessions (id, player_id, shard, game_slug, status, started_at,"
      " last_keepalive_at) VALUES ('" +
      session + "', '" + alice_ + "', " + s + ", '" + game() + "', 'running', now(), now())");

  LoadedState state;
  std::string error;
  ASSERT_TRUE(load_state(db_.url(), catalog_, servers_, 4, minter, &state, &error)) << error;
  EXPECT_EQ(state.rows_given_partition, 5u);  // the player, three token sessions, the session
  for (const char* table : {"players", "token_sessions", "sessions"}) {
    EXPECT_EQ(admin_.value(std::string("SELECT count(*) FROM ") + table +
                           " WHERE partition IS DISTINCT FROM " + std::to_string(pa)),
              "0")
        << table;
  }
  EXPECT_EQ(admin_.value("SELECT value FROM settings WHERE key = 'shards'"), "4");
  // The active session's owner on a 4-shard node: its partition's shard, whatever its id says.
  ASSERT_EQ(state.active.size(), 1u);
  EXPECT_EQ(state.active[0].owner_shard, pa % 4);
  EXPECT_EQ(state.active[0].session.owner, legacy);

  auto bits = [](const std::string& token) { return parse_id(token, IdKind::kToken)->bits; };
  EXPECT_EQ(state.legacy_tokens.size(), 3u);
  EXPECT_EQ(state.legacy_tokens.partition_of(bits(kept_token)), pa);
  EXPECT_EQ(state.legacy_tokens.partition_of(bits(slid_token)), pa);
  EXPECT_EQ(state.legacy_tokens.partition_of(bits(old_token)), pa);
  EXPECT_EQ(state.legacy_tokens.partition_of(bits(new_token)), std::nullopt);

  // Now they load by partition, the token rows telling which shard they were minted with.
  ShardLoadCounts counts;
  const ShardState rows = load({pa}, &counts);
  EXPECT_EQ(rows.players, std::vector<std::string>{alice_});
  ASSERT_EQ(rows.tokens.size(), 2u);
  for (const LoadedToken& t : rows.tokens) EXPECT_EQ(t.legacy_shard, shard);
  ASSERT_EQ(rows.sessions.size(), 1u);
  EXPECT_EQ(rows.sessions[0].owner, legacy);

  // A second start finds nothing left to fill.
  LoadedState again;
  ASSERT_TRUE(load_state(db_.url(), catalog_, servers_, 4, minter, &again, &error)) << error;
  EXPECT_EQ(again.rows_given_partition, 0u);
}

// A game a reload (SIGHUP) removed still names its sessions, slots and scoped tokens: a
// partition taken over after the reload loads them all, its sessions running on (SPEC). A game
// the catalog never had (the file changed across a restart) does not: those rows are skipped
// and counted, the player and an unscoped token kept.
TEST_F(PartitionLoadTest, RowsOfAGameRemovedByAReloadStillLoad) {
  seed(alice_);
  const uint16_t pa = partition_of_player(alice_);
  const std::string removed = game();
  admin_.exec(
      "INSERT INTO token_sessions (seed, player_id, partition, game_slug, generation,"
      " token_hash, expires_at) VALUES (decode('" +
      hex(random_id128()) + "', 'hex'), '" + alice_ + "', " + std::to_string(pa) + ", '" + removed +
      "', 0, sha256(random()::text::bytea), now() + interval '1 hour')");
  std::string error;
  std::optional<Catalog> file = Catalog::parse(
      R"({"games": [{"slug": "other-game", "title": "Other", "image": "r/other:1", "sizeMb": 10}]})",
      &error);
  ASSERT_TRUE(file) << error;
  ASSERT_TRUE(catalog_.reload(*file, &error)) << error;
  ASSERT_EQ(catalog_.find(removed), -1);

  ShardLoadCounts counts;
  const ShardState rows = load({pa}, &counts);
  EXPECT_EQ(counts.skipped, 0u);
  ASSERT_EQ(rows.sessions.size(), 2u);
  for (const LoadedSession& s : rows.sessions) EXPECT_EQ(catalog_.games()[s.game].slug, removed);
  ASSERT_EQ(rows.slots.size(), 1u);
  EXPECT_EQ(catalog_.games()[rows.slots[0].game].slug, removed);
  ASSERT_EQ(rows.tokens.size(), 2u);
  EXPECT_EQ(std::count_if(rows.tokens.begin(), rows.tokens.end(),
                          [&](const LoadedToken& t) {
                            return t.game != kAnyGame && catalog_.games()[t.game].slug == removed;
                          }),
            1);

  // After a restart the catalog is the file's alone: it never had the game.
  catalog_ = *file;
  ShardLoadCounts restarted;
  const ShardState fresh = load({pa}, &restarted);
  EXPECT_EQ(restarted.skipped, 4u);  // both sessions, the slot, the scoped token
  EXPECT_TRUE(fresh.sessions.empty());
  EXPECT_TRUE(fresh.slots.empty());
  EXPECT_EQ(fresh.players, std::vector<std::string>{alice_});
  EXPECT_EQ(fresh.tokens.size(), 1u);
}

}  // namespace
}  // namespace ringside::pgtest
