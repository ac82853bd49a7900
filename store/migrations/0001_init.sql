-- 0001_init: ringside's durable state (docs/postgres.md).
--
-- Ids are the API's text ids (kind char, two base32 chars of owner shard, 26 of random bits),
-- so a row matches a log line or a request by eye. `shard` is the owning shard of the player
-- (shard_of_player), kept on every per-player table so each shard loads its own rows through
-- an index at start. Times are timestamptz. Unknown figures are NULL, never a made-up zero.
--
-- Columns written back lazily (token expiry, keepalive times) are in no index, so those
-- frequent updates can be HOT (heap-only: no index entries to write).

CREATE TABLE players (
  id         text PRIMARY KEY,
  shard      smallint NOT NULL CHECK (shard >= 0 AND shard < 1024),
  created_at timestamptz NOT NULL DEFAULT now()
);
-- Start-up load of a shard's players (and, through them, their history).
CREATE INDEX players_by_shard ON players (shard);

-- Token sessions (SPEC: Authentication). No token is ever stored: only the SHA-256 of the
-- current token and of the one it replaced, and the seed and generation the token is derived
-- from with a secret that is not in the database (store/token_minter.h).
CREATE TABLE token_sessions (
  seed             bytea PRIMARY KEY CHECK (octet_length(seed) = 16),
  player_id        text NOT NULL REFERENCES players (id) ON DELETE CASCADE,
  shard            smallint NOT NULL,
  game_slug        text,  -- NULL: the token works for any game
  generation       integer NOT NULL CHECK (generation >= 0),
  token_hash       bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  previous_hash    bytea UNIQUE CHECK (octet_length(previous_hash) = 32),
  previous_dead_at timestamptz,           -- the replaced token works until then
  expires_at       timestamptz NOT NULL,  -- slides with every use; written back lazily
  created_at       timestamptz NOT NULL DEFAULT now(),
  CHECK ((previous_hash IS NULL) = (previous_dead_at IS NULL))
);
-- Start-up load: a shard's token sessions (expired ones are filtered, then swept).
CREATE INDEX token_sessions_by_shard ON token_sessions (shard);
-- Deleting a player; finding a player's session for a game.
CREATE INDEX token_sessions_by_player ON token_sessions (player_id, game_slug);

-- Save slots: metadata only; the save data lives with the backend.
CREATE TABLE save_slots (
  id         text PRIMARY KEY,
  player_id  text NOT NULL REFERENCES players (id) ON DELETE CASCADE,
  shard      smallint NOT NULL,
  game_slug  text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  size_bytes bigint NOT NULL DEFAULT 0 CHECK (size_bytes >= 0)
);
CREATE INDEX save_slots_by_shard ON save_slots (shard);
-- A player's slots of a game, most recently used first (launch without saveSlotId).
CREATE INDEX save_slots_by_player ON save_slots (player_id, game_slug, updated_at DESC);

-- Game sessions, active and ended (SPEC: Sessions API; Resume, history, details).
CREATE TABLE sessions (
  id                text PRIMARY KEY,
  player_id         text NOT NULL REFERENCES players (id) ON DELETE CASCADE,
  shard             smallint NOT NULL,
  game_slug         text NOT NULL,
  save_slot_id      text REFERENCES save_slots (id) ON DELETE SET NULL,
  status            text NOT NULL
                    CHECK (status IN ('starting', 'running', 'stopping', 'stopped', 'error')),
  phase             text CHECK (phase IN ('queued', 'pulling', 'creating')),  -- while starting
  server            text,  -- the game server it was placed on
  server_url        text,
  container_url     text,
  backend_ref       text,  -- the backend's handle (container, hosted session): for reconciling
  started_at        timestamptz NOT NULL,
  last_keepalive_at timestamptz NOT NULL,  -- written back lazily
  ended_at          timestamptz,
  end_reason        text CHECK (end_reason IN ('stopped', 'idle_timeout', 'error')),
  error_code        text,  -- session-status error.code when status = 'error'
  cpu_seconds       double precision CHECK (cpu_seconds >= 0),
  peak_memory_mb    double precision CHECK (peak_memory_mb >= 0),
  CHECK ((status IN ('stopped', 'error')) = (ended_at IS NOT NULL)),
  CHECK ((ended_at IS NULL) = (end_reason IS NULL)),
  CHECK (ended_at IS NULL OR ended_at >= started_at)
);
-- One active session per player, held by the database too (SPEC: 409 session_active), so two
-- nodes can never both start one.
CREATE UNIQUE INDEX sessions_one_active_per_player ON sessions (player_id)
  WHERE status IN ('starting', 'running', 'stopping');
-- Start-up load and reconciliation: a shard's active sessions. Partial, so it stays as small
-- as the number of sessions running, however long the history grows.
CREATE INDEX sessions_active_by_shard ON sessions (shard)
  WHERE status IN ('starting', 'running', 'stopping');
-- History, newest first: WHERE player_id = $1 AND ended_at IS NOT NULL ORDER BY ended_at DESC
-- LIMIT $2 reads only this player's ended sessions, already in order (the one active session,
-- whose ended_at is NULL, is skipped). Also serves deleting a player.
CREATE INDEX sessions_by_player_newest ON sessions (player_id, ended_at DESC);

-- What each game costs to run: the EMA the scheduler reserves (sched/resource_profile.h).
CREATE TABLE game_profiles (
  game_slug      text PRIMARY KEY,
  cpu_cores      double precision NOT NULL CHECK (cpu_cores >= 0),
  memory_mb      double precision NOT NULL CHECK (memory_mb >= 0),
  cpu_samples    integer NOT NULL DEFAULT 0 CHECK (cpu_samples >= 0),
  memory_samples integer NOT NULL DEFAULT 0 CHECK (memory_samples >= 0),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- The game catalog, where the database provides it (app/catalog.h has the same fields).
-- Sessions and profiles name games by slug without a foreign key: history outlives a game
-- leaving the catalog.
CREATE TABLE catalog (
  slug       text PRIMARY KEY CHECK (slug ~ '^[a-z0-9_.-]+$'),
  title      text NOT NULL,
  image      text NOT NULL,
  size_mb    integer NOT NULL CHECK (size_mb >= 0),
  cpu_cores  double precision NOT NULL DEFAULT 1 CHECK (cpu_cores > 0),
  memory_mb  integer NOT NULL DEFAULT 1024 CHECK (memory_mb > 0),
  position   integer NOT NULL DEFAULT 0,  -- order in GET /api/games, then slug
  updated_at timestamptz NOT NULL DEFAULT now()
);
