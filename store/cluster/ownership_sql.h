#pragma once
// The SQL of the ownership protocol (docs/cluster.md), in one place. Every statement runs on
// the node's write connection; every time is the database's now().
namespace ringside::ownership_sql {

// Before registering: a connection that still holds our node id but has been silent past
// dead-after ($2 ms) — ourselves before a network cut the server has not noticed yet — is
// terminated, so that its locks go and our new connection can take the row. $1 node id.
inline constexpr const char* kEvictStaleSelf =
    "SELECT pg_terminate_backend(n.backend_pid) FROM cluster_nodes n"
    " JOIN pg_stat_activity a ON a.pid = n.backend_pid AND a.backend_start <= n.heartbeat_at"
    " WHERE n.node_id = $1 AND n.backend_pid <> pg_backend_pid()"
    " AND n.heartbeat_at < now() - $2::int8 * interval '1 millisecond'";

// Register and heartbeat in one: the row takes this connection's pid. It is refused (no row
// affected) while another live connection holds the id — the same node id started twice.
// $1 node id, $2 advertise, $3 leaving, $4 dead-after ms, $5 save root nonce ('' = none).
inline constexpr const char* kHeartbeat =
    "INSERT INTO cluster_nodes AS n (node_id, advertise, backend_pid, leaving, save_root_nonce)"
    " VALUES ($1, $2, pg_backend_pid(), $3::bool, nullif($5::text, ''))"
    " ON CONFLICT (node_id) DO UPDATE SET advertise = excluded.advertise,"
    " backend_pid = excluded.backend_pid, heartbeat_at = now(), leaving = excluded.leaving,"
    " save_root_nonce = excluded.save_root_nonce"
    " WHERE n.backend_pid = pg_backend_pid()"
    " OR n.heartbeat_at < now() - $4::int8 * interval '1 millisecond'"
    " OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = n.backend_pid)";

// Every node: id, advertise, pid, heartbeat age (ms, by the database clock), leaving, whether
// its write connection is still a backend, the heartbeat time for GET /cluster, and its save
// root nonce ('' for none).
inline constexpr const char* kMembers =
    "SELECT n.node_id, n.advertise, n.backend_pid,"
    " greatest(0, (extract(epoch FROM now() - n.heartbeat_at) * 1000)::int8), n.leaving,"
    " EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = n.backend_pid),"
    " to_char(n.heartbeat_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
    " coalesce(n.save_root_nonce, '')"
    " FROM cluster_nodes n ORDER BY n.node_id";

// Who holds which partition in this database: partition, node id ('' when no row names the
// connection), held by this connection.
inline constexpr const char* kLocks =
    "SELECT l.objid, coalesce(n.node_id, ''), l.pid = pg_backend_pid() FROM pg_locks l"
    " LEFT JOIN cluster_nodes n ON n.backend_pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.classid = 1380532807 AND l.objsubid = 2"
    " AND l.granted AND l.database = (SELECT oid FROM pg_database"
    " WHERE datname = current_database())";

// A node silent past dead-after: its row goes, and its write connection is terminated —
// which releases its locks and fails its every later commit (the fence). Guarded against a
// node that heartbeated meanwhile, and against a pid the server has since given to a newer
// connection. $1 node id, $2 pid, $3 dead-after ms.
inline constexpr const char* kTerminate =
    "WITH gone AS (DELETE FROM cluster_nodes WHERE node_id = $1 AND backend_pid = $2::int4"
    " AND heartbeat_at < now() - $3::int8 * interval '1 millisecond'"
    " RETURNING backend_pid, heartbeat_at)"
    " SELECT pg_terminate_backend(g.backend_pid) FROM gone g"
    " JOIN pg_stat_activity a ON a.pid = g.backend_pid AND a.backend_start <= g.heartbeat_at";

inline constexpr const char* kTryLock = "SELECT pg_try_advisory_lock(1380532807, $1::int4)";
inline constexpr const char* kUnlock = "SELECT pg_advisory_unlock(1380532807, $1::int4)";

// Leaving, once everything is handed over. $1 node id.
inline constexpr const char* kDeleteSelf =
    "DELETE FROM cluster_nodes WHERE node_id = $1 AND backend_pid = pg_backend_pid()";

}  // namespace ringside::ownership_sql
