#include "store/token_store.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/timer_wheel.h"
#include "model/ids.h"
#include "model/token_hash.h"
#include "model/token_minter.h"

namespace ringside {
namespace {

constexpr uint16_t kPartition = 517;
constexpr int64_t kTtlMs = 60'000;
constexpr int64_t kGraceMs = 10'000;
constexpr uint32_t kTickMs = 100;
constexpr uint16_t kGameA = 3;
constexpr uint16_t kGameB = 4;
constexpr uint32_t kAlice = 10;
constexpr uint32_t kBob = 11;

std::string text_of(const TokenGrant& g) { return std::string(g.token, kIdTextLength); }

// A shard's token store as its thread sees it: the test is the reactor loop, moving the clock
// by hand and running the timers that are due.
class TokenStoreTest : public ::testing::Test {
 protected:
  TokenStoreTest() { set_clock(1'000'000, 1'700'000'000'000); }

  void set_clock(uint64_t mono_ms, int64_t unix_ms) {
    clock_.mono_ms = mono_ms;
    clock_.mono_us = mono_ms * 1000;
    clock_.unix_ms = unix_ms;
    clock_.unix_s = unix_ms / 1000;
  }
  // Moves both clocks without running the timers (what handlers see before the loop's timer
  // pass).
  void move_clock(int64_t ms) {
    set_clock(clock_.mono_ms + static_cast<uint64_t>(ms), clock_.unix_ms + ms);
  }
  void advance(int64_t ms) {
    move_clock(ms);
    wheel_.advance(clock_.mono_ms);
  }

  std::optional<AuthContext> auth(std::string_view token) {
    AuthContext ctx;
    if (!store_.authenticate(hash_token(token), &ctx)) return std::nullopt;
    return ctx;
  }

  Clock clock_;
  TimerWheel wheel_{kTickMs, 4096, 1'000'000};
  TokenMinter minter_{TokenMinter::random_secret()};
  TokenStore store_{minter_, wheel_, clock_, kTtlMs, kGraceMs};
};

TEST_F(TokenStoreTest, GrantReturnsATokenOfThePlayersPartitionForThatPlayerAndGame) {
  const TokenGrant g = store_.grant(kAlice, kGameA, kPartition);
  const std::string token = text_of(g);
  ASSERT_EQ(token.size(), 29u);
  std::optional<ParsedId> parsed = parse_id(token, IdKind::kToken);
  ASSERT_TRUE(parsed) << token;
  EXPECT_EQ(parsed->owner, IdOwner::partition(kPartition));
  EXPECT_EQ(g.expires_at_ms, clock_.unix_ms + kTtlMs);

  std::optional<AuthContext> ctx = auth(token);
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->player, kAlice);
  EXPECT_EQ(ctx->game_scope, kGameA);
  EXPECT_TRUE(ctx->current);
  EXPECT_EQ(store_.expires_at_ms(ctx->token_session), clock_.unix_ms + kTtlMs);
}

TEST_F(TokenStoreTest, GrantWithoutGameIsScopedToAnyGame) {
  std::optional<AuthContext> ctx = auth(text_of(store_.grant(kAlice, kAnyGame, kPartition)));
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->player, kAlice);
  EXPECT_EQ(ctx->game_scope, kAnyGame);
}

TEST_F(TokenStoreTest, SecondGrantForTheSameOwnerReturnsTheSameToken) {
  const std::string first = text_of(store_.grant(kAlice, kGameA, kPartition));
  advance(kTtlMs / 3);
  const TokenGrant again = store_.grant(kAlice, kGameA, kPartition);
  EXPECT_EQ(text_of(again), first);
  EXPECT_EQ(again.expires_at_ms, clock_.unix_ms + kTtlMs);
  EXPECT_EQ(store_.token_sessions(), 1u);
}

TEST_F(TokenStoreTest, GrantsForOtherGamesOrPlayersAreDifferentTokens) {
  const std::string alice_a = text_of(store_.grant(kAlice, kGameA, kPartition));
  const std::string alice_b = text_of(store_.grant(kAlice, kGameB, kPartition));
  const std::string alice_any = text_of(store_.grant(kAlice, kAnyGame, kPartition));
  const std::string bob_a = text_of(store_.grant(kBob, kGameA, kPartition));
  EXPECT_EQ((std::set<std::string>{alice_a, alice_b, alice_any, bob_a}).size(), 4u);
  EXPECT_EQ(store_.token_sessions(), 4u);

  struct Owner {
    std::string token;
    uint32_t player;
    uint16_t game;
  };
  for (const Owner& o : {Owner{alice_a, kAlice, kGameA}, Owner{alice_b, kAlice, kGameB},
                         Owner{alice_any, kAlice, kAnyGame}, Owner{bob_a, kBob, kGameA}}) {
    std::optional<AuthContext> ctx = auth(o.token);
    ASSERT_TRUE(ctx) << o.token;
    EXPECT_EQ(ctx->player, o.player);
    EXPECT_EQ(ctx->game_scope, o.game);
  }
}

TEST_F(TokenStoreTest, ReGrantExtendsTheExpiryItReports) {
  const std::string token = text_of(store_.grant(kAlice, kGameA, kPartition));
  advance(kTtlMs / 2);
  const TokenGrant again = store_.grant(kAlice, kGameA, kPartition);
  advance(again.expires_at_ms - clock_.unix_ms - 1);  // past the first grant's expiry
  EXPECT_TRUE(auth(token));
}

TEST_F(TokenStoreTest, UseSlidesTheExpiryForward) {
  const std::string token = text_of(store_.grant(kAlice, kGameA, kPartition));
  for (int i = 0; i < 10; ++i) {  // five TTLs in all
    advance(kTtlMs / 2);
    std::optional<AuthContext> ctx = auth(token);
    ASSERT_TRUE(ctx) << "use " << i;
    EXPECT_EQ(store_.expires_at_ms(ctx->token_session), clock_.unix_ms + kTtlMs);
  }
  EXPECT_EQ(store_.token_sessions(), 1u);
}

TEST_F(TokenStoreTest, UnusedTokenIsValidUntilItsTtlEnds) {
  const std::string token = text_of(store_.grant(kAlice, kGameA, kPartition));
  advance(kTtlMs - 1);
  EXPECT_TRUE(auth(token));
}

TEST_F(TokenStoreTest, UnusedTokenFailsOnceItsTtlHasPassed) {
  const std::string token = text_of(store_.grant(kAlice, kGameA, kPartition));
  advance(kTtlMs);
  EXPECT_FALSE(auth(token));
  advance(kTtlMs);
  EXPECT_FALSE(auth(token));
}

// A handler may run after the clock moved and before the loop ran the due timers.
TEST_F(TokenStoreTest, ExpiredTokenFailsEvenBeforeItsTimerRan) {
  const std::string token = text_of(store_.grant(kAlice, kGameA, kPartition));
  move_clock(kTtlMs);
  EXPECT_FALSE(auth(token));
}

TEST_F(TokenStoreTest, GrantAfterExpiryMakesANewToken) {
  const std::string old_token = text_of(store_.grant(kAlice, kGameA, kPartition));
  advance(kTtlMs);
  const std::string new_token = text_of(store_.grant(kAlice, kGameA, kPartition));
  EXPECT_NE(new_token, old_token);
  EXPECT_TRUE(auth(new_token));
  EXPECT_FALSE(auth(old_token));
}

TEST_F(TokenStoreTest, GrantAfterExpiryBeforeTheTimerRanSurvivesTheOldSessionsReclaim) {
  const std::string old_token = text_of(store_.grant(kAlice, kGameA, kPartition));
  move_clock(kTtlMs);
  const std::string new_token = text_of(store_.grant(kAlice, kGameA, kPartition));
  EXPECT_NE(new_token, old_token);
  wheel_.advance(clock_.mono_ms);  // now the old session's reclaim runs

  EXPECT_EQ(store_.token_sessions(), 1u);
  EXPECT_FALSE(auth(old_token));
  std::optional<AuthContext> ctx = auth(new_token);
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->player, kAlice);
  EXPECT_EQ(text_of(store_.grant(kAlice, kGameA, kPartition)), new_token);
}

TEST_F(TokenStoreTest, RefreshRotatesAndTheOldTokenLastsTheGracePeriod) {
  const std::string t0 = text_of(store_.grant(kAlice, kGameA, kPartition));
  advance(1000);
  std::optional<AuthContext> ctx = auth(t0);
  ASSERT_TRUE(ctx);
  TokenGrant g1;
  ASSERT_TRUE(store_.refresh(*ctx, kPartition, &g1));
  const std::string t1 = text_of(g1);
  EXPECT_NE(t1, t0);
  EXPECT_EQ(parse_id(t1, IdKind::kToken)->owner, IdOwner::partition(kPartition));
  EXPECT_EQ(g1.expires_at_ms, clock_.unix_ms + kTtlMs);

  std::optional<AuthContext> now_ctx = auth(t1);
  ASSERT_TRUE(now_ctx);
  EXPECT_TRUE(now_ctx->current);
  EXPECT_EQ(now_ctx->player, kAlice);
  EXPECT_EQ(now_ctx->game_scope, kGameA);
  EXPECT_EQ(now_ctx->token_session, ctx->token_session);

  std::optional<AuthContext> old_ctx = auth(t0);
  ASSERT_TRUE(old_ctx);
  EXPECT_FALSE(old_ctx->current);
  EXPECT_EQ(old_ctx->player, kAlice);

  advance(kGraceMs - 1);
  EXPECT_TRUE(auth(t0));
  advance(1);
  EXPECT_FALSE(auth(t0));
  EXPECT_TRUE(auth(t1));
}

TEST_F(TokenStoreTest, GrantAfterRefreshReturnsTheNewToken) {
  std::optional<AuthContext> ctx = auth(text_of(store_.grant(kAlice, kGameA, kPartition)));
  ASSERT_TRUE(ctx);
  TokenGrant g1;
  ASSERT_TRUE(store_.refresh(*ctx, kPartition, &g1));
  EXPECT_EQ(text_of(store_.grant(kAlice, kGameA, kPartition)), text_of(g1));
}

TEST_F(TokenStoreTest, RefreshWithTheReplacedTokenIsRefused) {
  const std::string t0 = text_of(store_.grant(kAlice, kGameA, kPartition));
  std::optional<AuthContext> ctx = auth(t0);
  ASSERT_TRUE(ctx);
  TokenGrant g1;
  ASSERT_TRUE(store_.refresh(*ctx, kPartition, &g1));

  std::optional<AuthContext> old_ctx = auth(t0);
  ASSERT_TRUE(old_ctx);
  TokenGrant g2;
  EXPECT_FALSE(store_.refresh(*old_ctx, kPartition, &g2));  // the API's 409
  // Nothing rotated: the new token is still the current one.
  std::optional<AuthContext> now_ctx = auth(text_of(g1));
  ASSERT_TRUE(now_ctx);
  EXPECT_TRUE(now_ctx->current);
  EXPECT_TRUE(auth(t0));
}

TEST_F(TokenStoreTest, SecondRefreshKillsTheFirstTokenAtOnce) {
  const std::string t0 = text_of(store_.grant(kAlice, kGameA, kPartition));
  std::optional<AuthContext> ctx0 = auth(t0);
  ASSERT_TRUE(ctx0);
  TokenGrant g1;
  ASSERT_TRUE(store_.refresh(*ctx0, kPartition, &g1));
  const std::string t1 = text_of(g1);

  advance(1000);  // well inside t0's grace period
  std::optional<AuthContext> ctx1 = auth(t1);
  ASSERT_TRUE(ctx1);
  TokenGrant g2;
  ASSERT_TRUE(store_.refresh(*ctx1, kPartition, &g2));
  const std::string t2 = text_of(g2);
  EXPECT_NE(t2, t1);
  EXPECT_NE(t2, t0);

  EXPECT_FALSE(auth(t0));
  std::optional<AuthContext> old_ctx = auth(t1);
  ASSERT_TRUE(old_ctx);
  EXPECT_FALSE(old_ctx->current);
  std::optional<AuthContext> now_ctx = auth(t2);
  ASSERT_TRUE(now_ctx);
  EXPECT_TRUE(now_ctx->current);
}

TEST_F(TokenStoreTest, UnknownTokensFail) {
  store_.grant(kAlice, kGameA, kPartition);
  AuthContext ctx;
  EXPECT_FALSE(store_.authenticate(hash_token("not a token"), &ctx));
  EXPECT_FALSE(store_.authenticate(hash_token(""), &ctx));
  EXPECT_FALSE(store_.authenticate(TokenHash{}, &ctx));
  EXPECT_FALSE(auth(id_to_string(IdKind::kToken, IdOwner::partition(kPartition), random_id128())));
}

TEST_F(TokenStoreTest, TokenOfAnotherSecretFails) {
  TokenMinter other_minter{TokenMinter::random_secret()};
  TokenStore other{other_minter, wheel_, clock_, kTtlMs, kGraceMs};
  const std::string foreign = text_of(other.grant(kAlice, kGameA, kPartition));
  store_.grant(kAlice, kGameA, kPartition);
  EXPECT_FALSE(auth(foreign));
}

TEST_F(TokenStoreTest, ExpiredSessionsAreReclaimed) {
  std::vector<std::string> kept, dropped;
  for (uint32_t player = 0; player < 200; ++player) {
    (player % 2 ? kept : dropped).push_back(text_of(store_.grant(player, kGameA, kPartition)));
  }
  EXPECT_EQ(store_.token_sessions(), 200u);
  for (int i = 0; i < 4; ++i) {
    advance(kTtlMs / 2);
    for (const std::string& t : kept) ASSERT_TRUE(auth(t));
  }
  EXPECT_EQ(store_.token_sessions(), 100u);
  for (const std::string& t : dropped) EXPECT_FALSE(auth(t));

  advance(kTtlMs);
  EXPECT_EQ(store_.token_sessions(), 0u);
  for (const std::string& t : kept) EXPECT_FALSE(auth(t));
}

TEST_F(TokenStoreTest, RefreshedSessionIsReclaimedWithBothItsTokens) {
  const std::string t0 = text_of(store_.grant(kAlice, kGameA, kPartition));
  std::optional<AuthContext> ctx = auth(t0);
  ASSERT_TRUE(ctx);
  TokenGrant g1;
  ASSERT_TRUE(store_.refresh(*ctx, kPartition, &g1));
  advance(kTtlMs);
  EXPECT_EQ(store_.token_sessions(), 0u);
  EXPECT_FALSE(auth(t0));
  EXPECT_FALSE(auth(text_of(g1)));
  // The owner can be granted again, and the new session is independent of the old tokens.
  const std::string fresh = text_of(store_.grant(kAlice, kGameA, kPartition));
  EXPECT_NE(fresh, t0);
  EXPECT_NE(fresh, text_of(g1));
  EXPECT_TRUE(auth(fresh));
}

// A token hash with chosen first 8 bytes (the index key) and a distinguishing last byte.
TokenHash hash_with_prefix(uint64_t prefix, uint8_t last) {
  TokenHash h;
  std::memcpy(h.bytes.data(), &prefix, sizeof prefix);
  h.bytes[31] = last;
  return h;
}

TokenRecord record_of(uint32_t player, const TokenHash& current, int64_t last_seen_ms) {
  TokenRecord r;
  r.seed = random_id128();
  r.current = current;
  r.last_seen_ms = last_seen_ms;
  r.player = player;
  r.game = kGameA;
  return r;
}

// The hash index is keyed by 8 bytes of the hash; the whole hash decides.
TEST_F(TokenStoreTest, TokensWhoseHashesShareTheIndexPrefixEachFindTheirOwnSession) {
  const TokenHash alice = hash_with_prefix(0x1234, 1);
  const TokenHash bob = hash_with_prefix(0x1234, 2);
  const TokenHash stranger = hash_with_prefix(0x1234, 3);
  store_.restore(record_of(kAlice, alice, clock_.unix_ms));
  store_.restore(record_of(kBob, bob, clock_.unix_ms));

  AuthContext ctx;
  ASSERT_TRUE(store_.authenticate(alice, &ctx));
  EXPECT_EQ(ctx.player, kAlice);
  ASSERT_TRUE(store_.authenticate(bob, &ctx));
  EXPECT_EQ(ctx.player, kBob);
  EXPECT_FALSE(store_.authenticate(stranger, &ctx));

  // Refreshing Alice's token leaves Bob's alone, and both of hers work in the grace period.
  ASSERT_TRUE(store_.authenticate(alice, &ctx));
  TokenGrant fresh;
  ASSERT_TRUE(store_.refresh(ctx, kPartition, &fresh));
  ASSERT_TRUE(store_.authenticate(alice, &ctx));
  EXPECT_FALSE(ctx.current);
  ASSERT_TRUE(store_.authenticate(bob, &ctx));
  EXPECT_EQ(ctx.player, kBob);
  EXPECT_TRUE(ctx.current);

  // Bob's session expires first; Alice's tokens are untouched by its reclaim.
  ASSERT_TRUE(auth(text_of(fresh)));
  advance(kTtlMs / 2);
  ASSERT_TRUE(auth(text_of(fresh)));
  advance(kTtlMs / 2 + kTickMs);
  EXPECT_FALSE(store_.authenticate(bob, &ctx));
  EXPECT_EQ(store_.token_sessions(), 1u);
  EXPECT_TRUE(auth(text_of(fresh)));
}

TEST_F(TokenStoreTest, UndoRefreshPutsBackTheTokensOfBefore) {
  const std::string t0 = text_of(store_.grant(kAlice, kGameA, kPartition));
  std::optional<AuthContext> ctx = auth(t0);
  ASSERT_TRUE(ctx);
  TokenGrant g1;
  ASSERT_TRUE(store_.refresh(*ctx, kPartition, &g1));
  const std::string t1 = text_of(g1);
  std::optional<AuthContext> ctx1 = auth(t1);
  ASSERT_TRUE(ctx1);
  const TokenRecord before = store_.record(ctx1->token_session);
  TokenGrant g2;
  ASSERT_TRUE(store_.refresh(*ctx1, kPartition, &g2));
  EXPECT_FALSE(auth(t0));  // the second refresh ended the first token's grace

  store_.undo_refresh(ctx1->token_session, before);
  std::optional<AuthContext> again = auth(t1);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->current);
  std::optional<AuthContext> replaced = auth(t0);
  ASSERT_TRUE(replaced);
  EXPECT_FALSE(replaced->current);
  EXPECT_FALSE(auth(text_of(g2)));
}

TEST_F(TokenStoreTest, ARefreshedSessionRestoresWithBothTokens) {
  const std::string t0 = text_of(store_.grant(kAlice, kGameA, kPartition));
  std::optional<AuthContext> ctx = auth(t0);
  ASSERT_TRUE(ctx);
  TokenGrant g1;
  ASSERT_TRUE(store_.refresh(*ctx, kPartition, &g1));
  const TokenRecord saved = store_.record(ctx->token_session);
  EXPECT_TRUE(saved.has_previous);
  EXPECT_EQ(saved.previous, hash_token(t0));
  EXPECT_EQ(saved.previous_dead_after_ms, clock_.unix_ms + kGraceMs);

  TokenStore restored(minter_, wheel_, clock_, kTtlMs, kGraceMs);
  restored.restore(saved);
  AuthContext out;
  ASSERT_TRUE(restored.authenticate(hash_token(text_of(g1)), &out));
  EXPECT_TRUE(out.current);
  ASSERT_TRUE(restored.authenticate(hash_token(t0), &out));
  EXPECT_FALSE(out.current);
  advance(kGraceMs);
  EXPECT_FALSE(restored.authenticate(hash_token(t0), &out));
  EXPECT_TRUE(restored.authenticate(hash_token(text_of(g1)), &out));
}

// A released partition's token sessions go, current and replaced tokens alike, with their
// expiry timers; the other players' stay; a later grant for the owner is a new token.
TEST_F(TokenStoreTest, DropPartitionForgetsTheTokensOfItsPlayers) {
  const TokenGrant first = store_.grant(kAlice, kGameA, kPartition);
  std::optional<AuthContext> ctx = auth(text_of(first));
  ASSERT_TRUE(ctx);
  TokenGrant refreshed;
  ASSERT_TRUE(store_.refresh(*ctx, kPartition, &refreshed));
  const std::string alice_any = text_of(store_.grant(kAlice, kAnyGame, kPartition));
  const std::string bob = text_of(store_.grant(kBob, kGameA, kPartition));

  EXPECT_EQ(store_.drop_partition([](uint32_t player) { return player == kAlice; },
                                  [](const TokenRecord&) {}),
            2u);
  EXPECT_FALSE(auth(text_of(first)));  // the replaced one, inside its grace period
  EXPECT_FALSE(auth(text_of(refreshed)));
  EXPECT_FALSE(auth(alice_any));
  EXPECT_TRUE(auth(bob));
  EXPECT_EQ(store_.token_sessions(), 1u);
  advance(kTtlMs * 2);  // the dropped sessions' timers are gone: nothing fires on them
  EXPECT_EQ(store_.token_sessions(), 0u);
  EXPECT_NE(text_of(store_.grant(kAlice, kGameA, kPartition)), text_of(refreshed));
}

// Lazy write-back (docs/postgres.md): a token polled every 2 s is marked for write-back once
// per step (a tenth of its lifetime) of its expiry, not in every flush.
class TokenWriteBackTest : public TokenStoreTest {
 protected:
  TokenWriteBackTest() { store_.track_use(); }

  // What a flush writes: the expiry of each token session marked.
  std::vector<int64_t> flush() {
    std::vector<int64_t> written;
    store_.take_used([&](const TokenRecord& r) { written.push_back(r.last_seen_ms + kTtlMs); });
    return written;
  }
  // What the drain writes: every expiry that moved since written.
  std::vector<int64_t> flush_every_moved() {
    std::vector<int64_t> written;
    store_.take_unwritten(
        [&](const TokenRecord& r) { written.push_back(r.last_seen_ms + kTtlMs); });
    return written;
  }

  static constexpr int64_t kStepMs = kTtlMs / 10;
  static constexpr int64_t kPollMs = 1'000;
};

TEST_F(TokenWriteBackTest, ATokenPolledAllTheTimeIsWrittenOncePerStepNotOncePerFlush) {
  ASSERT_EQ(store_.write_back_step_ms(), kStepMs);
  const TokenGrant g = store_.grant(kAlice, kGameA, kPartition);  // written through
  // Three steps of a poll every second, each followed by a flush: 18 flushes, 3 writes.
  std::vector<int64_t> written;
  for (int64_t t = 0; t < 3 * kStepMs; t += kPollMs) {
    advance(kPollMs);
    ASSERT_TRUE(auth(text_of(g)));
    for (int64_t at : flush()) written.push_back(at);
  }
  EXPECT_EQ(written, (std::vector<int64_t>{g.expires_at_ms + kStepMs, g.expires_at_ms + 2 * kStepMs,
                                           g.expires_at_ms + 3 * kStepMs}));
}

TEST_F(TokenWriteBackTest, AUseAStepPastTheWrittenExpiryMarksItAgain) {
  const std::string token = text_of(store_.grant(kAlice, kGameA, kPartition));
  advance(kStepMs - 1);
  ASSERT_TRUE(auth(token));
  EXPECT_TRUE(flush().empty()) << "marked before it moved by a step";
  advance(1);
  ASSERT_TRUE(auth(token));
  EXPECT_EQ(flush(), std::vector<int64_t>{clock_.unix_ms + kTtlMs});
  EXPECT_TRUE(flush().empty());
  advance(kStepMs);
  ASSERT_TRUE(auth(token));
  EXPECT_EQ(flush(), std::vector<int64_t>{clock_.unix_ms + kTtlMs});
}

TEST_F(TokenWriteBackTest, TheDrainWritesAnExpiryMovedByLessThanAStepAndOnlyOnce) {
  const std::string alice = text_of(store_.grant(kAlice, kGameA, kPartition));
  const std::string bob = text_of(store_.grant(kBob, kGameA, kPartition));
  advance(1'000);
  ASSERT_TRUE(auth(alice));  // moved by a second: less than a step
  EXPECT_TRUE(flush().empty());
  EXPECT_EQ(flush_every_moved(), std::vector<int64_t>{clock_.unix_ms + kTtlMs});  // not bob's
  EXPECT_TRUE(flush_every_moved().empty());
  EXPECT_TRUE(flush().empty());
}

TEST_F(TokenWriteBackTest, ARestoredTokenCountsItsLoadedExpiryAsWritten) {
  TokenRecord r;
  r.seed = random_id128();
  char text[kIdTextLength];
  minter_.mint(r.seed, 0, IdOwner::partition(kPartition), text);
  r.current = hash_token(std::string_view(text, kIdTextLength));
  r.last_seen_ms = clock_.unix_ms - kStepMs + 1'000;
  r.player = kAlice;
  r.game = kGameA;
  r.minted_as = IdOwner::partition(kPartition);
  store_.restore(r);
  ASSERT_TRUE(auth(std::string_view(text, kIdTextLength)));  // a step less a second past it
  EXPECT_TRUE(flush().empty());
  advance(1'000);
  ASSERT_TRUE(auth(std::string_view(text, kIdTextLength)));
  EXPECT_EQ(flush(), std::vector<int64_t>{clock_.unix_ms + kTtlMs});
}

TEST_F(TokenWriteBackTest, AReleaseHandsOverEveryExpiryThatMovedAtAll) {
  const std::string moved = text_of(store_.grant(kAlice, kGameA, kPartition));
  store_.grant(kAlice, kAnyGame, kPartition);  // never used since its grant wrote it
  const std::string other = text_of(store_.grant(kBob, kGameA, kPartition));
  advance(1'000);
  ASSERT_TRUE(auth(moved));
  ASSERT_TRUE(auth(other));
  std::vector<int64_t> handed_over;
  EXPECT_EQ(store_.drop_partition(
                [](uint32_t player) { return player == kAlice; },
                [&](const TokenRecord& r) { handed_over.push_back(r.last_seen_ms + kTtlMs); }),
            2u);
  EXPECT_EQ(handed_over, std::vector<int64_t>{clock_.unix_ms + kTtlMs});
}

// A token session written before partitions: its token was minted with the node's shard in
// its text. A re-launch hands back that very token; a refresh mints one naming the partition.
TEST_F(TokenStoreTest, ALegacyTokenSessionKeepsItsTokenUntilARefresh) {
  const IdOwner legacy{5, true};
  TokenRecord old;
  old.seed = random_id128();
  old.generation = 2;
  old.player = kAlice;
  old.game = kGameA;
  old.last_seen_ms = clock_.unix_ms;
  old.minted_as = legacy;
  char minted[kIdTextLength];
  minter_.mint(old.seed, old.generation, legacy, minted);
  const std::string t0(minted, kIdTextLength);
  old.current = hash_token(t0);
  store_.restore(old);

  EXPECT_EQ(text_of(store_.grant(kAlice, kGameA, kPartition)), t0);
  std::optional<AuthContext> ctx = auth(t0);
  ASSERT_TRUE(ctx);
  TokenGrant g1;
  ASSERT_TRUE(store_.refresh(*ctx, kPartition, &g1));
  EXPECT_EQ(parse_id(text_of(g1), IdKind::kToken)->owner, IdOwner::partition(kPartition));
  EXPECT_EQ(store_.record(ctx->token_session).minted_as, IdOwner::partition(kPartition));
  EXPECT_EQ(text_of(store_.grant(kAlice, kGameA, kPartition)), text_of(g1));
}

}  // namespace
}  // namespace ringside
