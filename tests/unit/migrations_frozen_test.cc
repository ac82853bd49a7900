// A migration, once released, is never edited: databases that applied it record its SHA-256
// and refuse to start when the text changes (store/pg/migrations.h), even for a comment. The
// checksums of the released files are written down here; a new migration adds its line.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "model/token_hash.h"
#include "store/pg/migrations.h"

namespace ringside {
namespace {

// name, hex SHA-256 of the text (sha256sum store/migrations/NAME.sql)
const std::vector<std::pair<std::string, std::string>> kReleased = {
    {"0001_init", "d0caa73d676a932d24c4a05e7021ff1ccc48a31a5fbdb0cf5ab0c5f7c99b7bcf"},
    {"0002_settings", "5cfff1f6cfb778956c2900a8123234b94cd587132342d39d86922519cb2af1b5"},
    {"0003_retention", "97b44f68e7996caf28de7389cdbdd9040b6b8d15e8ed9424a46754d3739465ca"},
    {"0004_running_at", "dd8ee2e0dc5dd1b4f7d921df3d35e5e64f168e96b79643b06d79c049d84a1c77"},
    {"0005_partitions", "c2e9d0ce2fc11439ce750e575883b7553c4631bca9f26cb17478830238d8b711"},
    {"0006_cluster", "b3440e2468a04287d0945191633b5db94a246bc0d7f71e0fe4da1de85c66e6e7"},
    {"0007_save_root", "3c915aad711fc6dbbac06a53d0c3c74cdb79dea266328744abbc30b72bd26006"},
    {"0008_webhook_outbox", "7a9a742e5c807771f0603ac78aee8af6cec024cdbe2a4f48b8b496c5387fc31c"},
    {"0009_end_reasons", "af8ec30c8ae2fea326ef6334c5a724443e6407447cdf79f75f9f770bd0280427"},
    {"0010_server_cordons", "35037deae878a336c6a18ad94103e7436c7b62e55123161a045c79a5f1e4cf2d"},
    {"0011_sessions_listing", "ffee64e18655ba7fab6fee8365b641b771bfa5b0eb13245f9e2869d4f5120d2c"},
};

TEST(MigrationsFrozenTest, EveryReleasedMigrationIsByteForByteAsReleased) {
  const auto embedded = embedded_migrations();
  ASSERT_GE(embedded.size(), kReleased.size());
  for (size_t i = 0; i < kReleased.size(); ++i) {
    EXPECT_EQ(std::string(embedded[i].name), kReleased[i].first);
    // The SHA-256 the database records (token hashing is the same function).
    EXPECT_EQ(token_hash_hex(hash_token(embedded[i].sql)), kReleased[i].second)
        << embedded[i].name << " was edited after its release: add a new migration instead";
  }
}

}  // namespace
}  // namespace ringside
