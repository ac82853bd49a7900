#pragma once
// What ringside reads back from PostgreSQL at start (state_loader.h): each shard's rows, a
// batch at a time (ShardState), which the shard takes before it serves; and for the I/O core
// the sessions to recover and the game profiles (LoadedState).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/ids.h"
#include "model/legacy_tokens.h"
#include "model/server_cordon.h"
#include "model/session_types.h"
#include "model/token_hash.h"

namespace ringside {

struct LoadedToken {
  Id128 seed;
  std::string player_id;
  uint16_t game = 0;  // catalog index, or kAnyGame
  uint32_t generation = 0;
  TokenHash current;
  TokenHash previous;
  bool has_previous = false;
  int64_t previous_dead_ms = 0;
  int64_t expires_ms = 0;
  // A row written before partitions: the shard its tokens were minted with until a refresh
  // (whether the current one still is, only deriving it again tells). -1: none.
  int32_t legacy_shard = -1;
};

struct LoadedSlot {
  std::string player_id;
  Id128 id;
  IdOwner owner;
  uint16_t game = 0;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  uint64_t size_bytes = 0;
};

struct LoadedSession {
  std::string player_id;
  Id128 id;
  Id128 slot;
  IdOwner owner;  // what the ids' text says: a partition, or a legacy id's shard
  IdOwner slot_owner;
  uint16_t game = 0;
  uint32_t server = 0;  // index in Runtime::servers (valid when has_server)
  bool has_server = false;
  std::string server_url;  // the session's own address (hosted backends), else empty
  SessionStatus status = SessionStatus::kStarting;
  StartPhase phase = StartPhase::kQueued;
  SessionError error = SessionError::kNone;
  EndReason end_reason = EndReason::kNone;
  int64_t started_ms = 0;
  int64_t running_ms = 0;  // 0: it never ran
  int64_t ended_ms = 0;
  int64_t last_keepalive_ms = 0;
  double cpu_seconds = 0;
  double peak_memory_mb = 0;
};

// One batch of a shard's rows.
struct ShardState {
  std::vector<std::string> players;
  std::vector<LoadedToken> tokens;
  std::vector<LoadedSlot> slots;
  // Ended sessions oldest first (at most the history kept per player), then active ones.
  std::vector<LoadedSession> sessions;
};

struct LoadedProfile {
  uint16_t game = 0;
  double cpu_cores = 0;
  double memory_mb = 0;
  uint32_t cpu_samples = 0;
  uint32_t memory_samples = 0;
};

// An active session as the I/O core needs it to recover its placement.
struct ActiveSession {
  LoadedSession session;
  uint16_t owner_shard = 0;
};

struct LoadedState {
  std::vector<ActiveSession> active;  // starting, running or stopping
  std::vector<LoadedProfile> profiles;
  std::vector<ServerCordon> cordons;  // the operator's cordons and drains (server_cordons)
  LegacyTokens legacy_tokens;         // for Runtime::legacy_tokens
  size_t rows_skipped = 0;  // active sessions naming a game no longer in the catalog, or a bad id
  size_t rows_given_partition = 0;  // rows written before partitions given theirs at this start
};

}  // namespace ringside
