#include "store/durable/write_intent.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace ringside {
namespace {

struct Seen {
  StatementId id;
  std::vector<std::string> values;  // "<null>" for NULL
};

std::vector<Seen> read_all(std::string_view bytes) {
  WriteIntentReader reader;
  EXPECT_TRUE(reader.parse(bytes));
  std::vector<Seen> seen;
  PgParams params;
  reader.for_each(params, [&](StatementId id, const PgParams& p) {
    Seen s{id, {}};
    for (int i = 0; i < p.size(); ++i) {
      const char* v = p.values()[i];
      s.values.emplace_back(v ? v : "<null>");
    }
    seen.push_back(std::move(s));
  });
  return seen;
}

TEST(WriteIntent, CarriesStatementsAndParametersInOrder) {
  WriteIntentBuilder b;
  b.begin(42, WriteClass::kBackground);
  b.statement(kStmtUpsertPlayer).text("player-1").integer(3);
  const uint8_t seed[2] = {0xab, 0x01};
  b.statement(kStmtUpdateSession).text("s1").null().number(NAN).number(1.5).bytea(seed, 2);
  WriteIntentReader reader;
  ASSERT_TRUE(reader.parse(b.bytes()));
  EXPECT_EQ(42u, reader.seq());
  EXPECT_EQ(WriteClass::kBackground, reader.write_class());
  EXPECT_EQ(2u, reader.statement_count());
  std::vector<Seen> seen = read_all(b.bytes());
  ASSERT_EQ(2u, seen.size());
  EXPECT_EQ(kStmtUpsertPlayer, seen[0].id);
  EXPECT_EQ((std::vector<std::string>{"player-1", "3"}), seen[0].values);
  EXPECT_EQ(kStmtUpdateSession, seen[1].id);
  // An unknown figure (NaN) is NULL, never a made-up number.
  EXPECT_EQ((std::vector<std::string>{"s1", "<null>", "<null>", "1.5", "\\xab01"}), seen[1].values);
}

TEST(WriteIntent, BeginStartsAfresh) {
  WriteIntentBuilder b;
  b.begin(1, WriteClass::kRequest);
  b.statement(kStmtUpsertPlayer).text("a").integer(0);
  b.begin(2, WriteClass::kRequest);
  b.statement(kStmtAbandonSession).text("s");
  std::vector<Seen> seen = read_all(b.bytes());
  ASSERT_EQ(1u, seen.size());
  EXPECT_EQ(kStmtAbandonSession, seen[0].id);
}

TEST(WriteIntent, MalformedBytesAreRefused) {
  WriteIntentBuilder b;
  b.begin(7, WriteClass::kRequest);
  b.statement(kStmtUpsertPlayer).text("player").integer(1);
  const std::string good(b.bytes());
  WriteIntentReader reader;
  EXPECT_FALSE(reader.parse(""));
  EXPECT_FALSE(reader.parse(good.substr(0, good.size() - 1)));  // cut short
  EXPECT_FALSE(reader.parse(good + "x"));                       // trailing bytes
  std::string bad_statement = good;
  bad_statement[10] = static_cast<char>(kStatementCount);
  EXPECT_FALSE(reader.parse(bad_statement));
  std::string bad_class = good;
  bad_class[8] = 9;
  EXPECT_FALSE(reader.parse(bad_class));
  EXPECT_TRUE(reader.parse(good));
}

}  // namespace
}  // namespace ringside
