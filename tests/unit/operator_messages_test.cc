// The operator listing's messages (model/messages.h, OperatorSessionsQuery and
// OperatorSessionsPart): fields survive a round trip, and decoding refuses what a shard must
// not act on — a limit out of 1..1000, a status past the last, a player id past its limit,
// truncated or trailing bytes, records that are not `count` well-formed ones; and the backend
// id's answer, refused past its limit.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "model/identifiers.h"
#include "model/messages.h"
#include "tests/unit/wire_encode.h"

namespace ringside {
namespace {

OperatorSessionsQuery query() {
  OperatorSessionsQuery q;
  q.query = 77;
  q.filter.limit = 250;
  q.filter.status = static_cast<uint8_t>(SessionStatus::kStopped);
  q.filter.has_player = true;
  q.filter.player_id = "alice";
  q.filter.has_game = true;
  q.filter.game = 3;
  q.filter.has_server = true;
  q.filter.server = 9;
  q.filter.server_name = "eu-gone-1";
  return q;
}

TEST(OperatorMessagesTest, QueryRoundTrips) {
  const std::string bytes = encode(query());
  OperatorSessionsQuery got;
  ASSERT_TRUE(OperatorSessionsQuery::decode(bytes, &got));
  EXPECT_EQ(got.query, 77u);
  EXPECT_EQ(got.filter.limit, 250);
  EXPECT_EQ(got.filter.status, static_cast<uint8_t>(SessionStatus::kStopped));
  EXPECT_TRUE(got.filter.has_player);
  EXPECT_EQ(got.filter.player_id, "alice");
  EXPECT_TRUE(got.filter.has_game);
  EXPECT_EQ(got.filter.game, 3);
  EXPECT_TRUE(got.filter.has_server);
  EXPECT_EQ(got.filter.server, 9u);
  EXPECT_EQ(got.filter.server_name, "eu-gone-1");
}

TEST(OperatorMessagesTest, QueryRefusesWhatNoOriginSends) {
  OperatorSessionsQuery got;
  for (uint16_t limit : {0, 1001}) {
    OperatorSessionsQuery q = query();
    q.filter.limit = limit;
    EXPECT_FALSE(OperatorSessionsQuery::decode(encode(q), &got)) << limit;
  }
  OperatorSessionsQuery q = query();
  q.filter.status = static_cast<uint8_t>(kSessionStatusCount);
  EXPECT_FALSE(OperatorSessionsQuery::decode(encode(q), &got));
  q = query();
  const std::string long_id(kMaxPlayerIdBytes + 1, 'p');
  q.filter.player_id = long_id;
  EXPECT_FALSE(OperatorSessionsQuery::decode(encode(q), &got));
  q = query();
  const std::string long_name(OperatorSessionsFilter::kMaxServerNameBytes + 1, 's');
  q.filter.server_name = long_name;
  EXPECT_FALSE(OperatorSessionsQuery::decode(encode(q), &got));
  const std::string bytes = encode(query());
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(OperatorSessionsQuery::decode(std::string_view(bytes).substr(0, n), &got)) << n;
  }
  EXPECT_FALSE(OperatorSessionsQuery::decode(bytes + "x", &got));
}

TEST(OperatorMessagesTest, PartCarriesExactlyItsRecords) {
  std::string items;
  OperatorSessionsPart::append_item(items, 1700000000123, R"({"sessionId":"a"})");
  OperatorSessionsPart::append_item(items, 1700000000456, R"({"sessionId":"b"})");
  OperatorSessionsPart part;
  part.query = 5;
  part.count = 2;
  part.partial = true;
  part.items = items;
  const std::string bytes = encode(part);
  OperatorSessionsPart got;
  ASSERT_TRUE(OperatorSessionsPart::decode(bytes, &got));
  EXPECT_EQ(got.query, 5u);
  EXPECT_TRUE(got.partial);
  std::string_view rest = got.items;
  OperatorSessionsPart::Item item;
  ASSERT_TRUE(OperatorSessionsPart::next(rest, &item));
  EXPECT_EQ(item.started_ms, 1700000000123);
  EXPECT_EQ(item.json, R"({"sessionId":"a"})");
  ASSERT_TRUE(OperatorSessionsPart::next(rest, &item));
  EXPECT_EQ(item.json, R"({"sessionId":"b"})");
  EXPECT_FALSE(OperatorSessionsPart::next(rest, &item));

  // A count that is not the number of records, or a record cut short, is refused.
  part.count = 3;
  EXPECT_FALSE(OperatorSessionsPart::decode(encode(part), &got));
  part.count = 1;
  EXPECT_FALSE(OperatorSessionsPart::decode(encode(part), &got));
  part.count = 2;
  part.items = std::string_view(items).substr(0, items.size() - 1);
  EXPECT_FALSE(OperatorSessionsPart::decode(encode(part), &got));
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(OperatorSessionsPart::decode(std::string_view(bytes).substr(0, n), &got)) << n;
  }
}

TEST(OperatorMessagesTest, BackendIdReplyRoundTripsAndRefusesAnOverLongId) {
  BackendIdReply m;
  m.session = Id128{1, 2};
  m.target = {3, {4, 5}};
  m.backend_id = "0123abcd";
  BackendIdReply got;
  ASSERT_TRUE(BackendIdReply::decode(encode(m), &got));
  EXPECT_EQ(got.session, m.session);
  EXPECT_EQ(got.target.shard, 3u);
  EXPECT_EQ(got.target.ref.index, 4u);
  EXPECT_EQ(got.target.ref.generation, 5u);
  EXPECT_EQ(got.backend_id, "0123abcd");
  const std::string long_id(BackendIdReply::kMaxIdBytes + 1, 'c');
  m.backend_id = long_id;
  EXPECT_FALSE(BackendIdReply::decode(encode(m), &got));
}

}  // namespace
}  // namespace ringside
