#pragma once
// With --database-url, the ended sessions of GET /operator/sessions (docs/operator-api.md,
// "Sessions"), on the I/O core: the shard a listing reached sends its OperatorSessionsQuery
// here too, and this reads the ended sessions that match from PostgreSQL (`sessions`, every
// partition's, whichever node wrote them), newest first by launch, at most the query's limit,
// renders them as the shards render theirs and answers OperatorSessionsPart. The shards then
// contribute their active sessions only. A database that cannot be read answers an empty part
// marked `partial`: a query that finds the connection down (at start, before it first came
// up, or during an outage) waits for it up to kConnectWaitMs, then is answered so; a read that
// fails is answered so when it fails, and one that takes longer than kReadTimeoutMs fails (a
// statement timeout local to its batch), well before the connection's batch timeout would
// drop the connection (and, in a cluster, the partition locks with it).
//
// The read goes on the writer's connection, in a batch of its own, as the webhook outbox's do;
// its SQL holds the filters given and no others (parameters for the values), so each listing
// is planned for what it asks (0011_sessions_listing's index for the unfiltered one).
#include <cstdint>
#include <string>
#include <vector>

#include "api/session_render.h"
#include "core/byte_buffer.h"
#include "core/reactor.h"
#include "model/messages.h"
#include "model/runtime.h"
#include "store/pg/pg_connection.h"
#include "store/pg/pg_result.h"

namespace ringside {

class EndedSessions {
 public:
  static constexpr uint64_t kConnectWaitMs = 2000;
  static constexpr size_t kMaxWaiting = 64;  // beyond: answered partial at once
  // The read's statement_timeout: under the batch timeout (3 s in a cluster, 5 s alone).
  static constexpr uint64_t kReadTimeoutMs = 1000;

  // Registers a batch-end hook: construct before the connection's PgPoller (which flushes
  // what the hook sent).
  EndedSessions(const Runtime& runtime, Reactor& reactor, PgConnection& connection);
  ~EndedSessions();
  EndedSessions(const EndedSessions&) = delete;
  EndedSessions& operator=(const EndedSessions&) = delete;

  // A listing's query from shard `from`; answered by message, now or once the read is back.
  void query(uint32_t from, const OperatorSessionsQuery& m);

 private:
  // A query that came while the connection was down (its player id and server name copied).
  struct Waiting {
    uint32_t from = 0;
    uint64_t query = 0;
    OperatorSessionsFilter filter;
    std::string player_id;
    std::string server_name;
    uint64_t deadline_ms = 0;
  };
  void read(uint32_t from, const OperatorSessionsQuery& m);
  static void on_batch_end(void* ctx);
  static void on_wait_over(TimerNode* node);
  // Renders `rows` (none: an empty part) into the part answering `query`.
  void answer(uint32_t from, uint64_t query, const PgResult* rows, bool partial);

  const Runtime& runtime_;
  Reactor& reactor_;
  PgConnection& connection_;
  SessionUrls no_urls_;  // ended sessions have no serverUrl
  SessionRenderContext render_;
  std::vector<Waiting> waiting_;
  struct WaitTimer : TimerNode {
    EndedSessions* self = nullptr;
  } wait_timer_;
  const std::string timeout_sql_;  // the batch's first statement: SET LOCAL statement_timeout
  std::string sql_;
  std::string items_;
  ByteBuffer json_;
  ByteBuffer url_scratch_;
};

}  // namespace ringside
