// Save archives (backends/docker/save_archive.h): paths, the tar rebase, and what a hostile or
// broken save directory gets from it. The tar comes from the game's container, so every test
// below that hands it something else than plain files and directories expects it rejected,
// never passed on, and never a crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "backend/support/tar_files.h"
#include "backends/docker/save_archive.h"

namespace ringside {
namespace {

TEST(SaveArchive, PathsAndNames) {
  EXPECT_EQ(save_file_path("/var/saves", Id128{0x1, 0xabc}),
            "/var/saves/0000000000000001"
            "0000000000000abc.tar");
  EXPECT_EQ(parent_dir("/save"), "/");
  EXPECT_EQ(parent_dir("/home/game/save/"), "/home/game");
  EXPECT_EQ(base_name("/home/game/save/"), "save");
  EXPECT_EQ(base_name("/save"), "save");
}

TEST(SaveArchive, RebaseRenamesTheTopDirectoryAndKeepsContents) {
  const std::string tar = make_tar({{"save/", ""},
                                    {"save/progress.txt", "tick 41 0\n"},
                                    {"save/sub/", ""},
                                    {"save/sub/b", "bb"}});
  RebasedTar same = rebase_tar(tar, "save");
  ASSERT_EQ(same.error, SaveError::kNone) << same.detail;
  EXPECT_EQ(tar_entries(same.tar),
            (std::map<std::string, std::string>{{"save/", "<dir>"},
                                                {"save/progress.txt", "tick 41 0\n"},
                                                {"save/sub/", "<dir>"},
                                                {"save/sub/b", "bb"}}));
  RebasedTar moved = rebase_tar(tar, "data");
  ASSERT_EQ(moved.error, SaveError::kNone) << moved.detail;
  EXPECT_EQ(tar_entries(moved.tar).at("data/progress.txt"), "tick 41 0\n");
  EXPECT_EQ(tar_entries(moved.tar).count("save/progress.txt"), 0u);
}

TEST(SaveArchive, AHandWrittenTarOfFilesAndDirectoriesIsKept) {
  const std::string tar = raw_tar_entry("save/", '5', 0, "") +
                          raw_tar_entry("save/a.txt", '0', 5, "hello") +
                          raw_tar_entry("./save/b.txt", '0', 0, "") + raw_tar_end();
  RebasedTar r = rebase_tar(tar, "game");
  ASSERT_EQ(r.error, SaveError::kNone) << r.detail;
  EXPECT_EQ(tar_entries(r.tar),
            (std::map<std::string, std::string>{
                {"game/", "<dir>"}, {"game/a.txt", "hello"}, {"game/b.txt", ""}}));
}

// Each of these would have the engine write outside the save directory (or through a link
// into the container's file system) when the save goes back in: the whole save is refused.
TEST(SaveArchive, LinksAndPathsOutsideTheSaveAreRejected) {
  const std::string file = raw_tar_entry("save/ok.txt", '0', 2, "ok");
  const std::map<std::string, std::string> hostile = {
      {"symlink", raw_tar_entry("save/link", '2', 0, "", "/etc/passwd")},
      {"hard link", raw_tar_entry("save/hard", '1', 0, "", "save/ok.txt")},
      {"dot-dot", raw_tar_entry("save/../x", '0', 1, "x")},
      {"leading dot-dot", raw_tar_entry("../x", '0', 1, "x")},
      {"absolute", raw_tar_entry("/etc/cron.d/x", '0', 1, "x")},
      {"fifo", raw_tar_entry("save/fifo", '6', 0, "")},
      {"device", raw_tar_entry("save/dev", '3', 0, "")},
  };
  for (const auto& [what, entry] : hostile) {
    RebasedTar r = rebase_tar(file + entry + raw_tar_end(), "save");
    EXPECT_EQ(r.error, SaveError::kRejected) << what;
    EXPECT_TRUE(r.tar.empty()) << what;
    EXPECT_FALSE(r.detail.empty()) << what;
  }
}

// The save must come back as one directory tree: a file where the game's save directory was
// (the game replaced it), or a second top-level name, would not extract into the directory
// the next start puts it in.
TEST(SaveArchive, AnythingButOneDirectoryTreeIsRejected) {
  const std::map<std::string, std::string> not_a_tree = {
      {"a file for the directory", raw_tar_entry("save", '0', 2, "ok") + raw_tar_end()},
      {"two top-level names", raw_tar_entry("save/a", '0', 1, "a") +
                                  raw_tar_entry("other/b", '0', 1, "b") + raw_tar_end()},
  };
  for (const auto& [what, tar] : not_a_tree) {
    RebasedTar r = rebase_tar(tar, "save");
    EXPECT_EQ(r.error, SaveError::kRejected) << what;
    EXPECT_TRUE(r.tar.empty()) << what;
  }
}

// A header claiming more data than the archive holds: libarchive's error, not an exception
// (an allocation of the claimed size used to throw, and nothing caught it).
TEST(SaveArchive, AForgedEntrySizeIsRejectedWithoutThrowing) {
  for (const uint64_t claimed : {uint64_t{1} << 20, uint64_t{1} << 40, uint64_t{1} << 62}) {
    const std::string tar = raw_tar_entry("save/big", '0', claimed, "only a few bytes");
    RebasedTar r;
    ASSERT_NO_THROW(r = rebase_tar(tar + raw_tar_end(), "save")) << claimed;
    EXPECT_EQ(r.error, SaveError::kRejected) << claimed;
    EXPECT_TRUE(r.tar.empty());
  }
}

TEST(SaveArchive, NotATarIsRejected) {
  RebasedTar r = rebase_tar("definitely not a tar archive, far too short", "save");
  EXPECT_EQ(r.error, SaveError::kRejected);
  EXPECT_FALSE(r.detail.empty());
}

TEST(SaveArchive, ContentsOverTheLimitAreTooLarge) {
  const std::string big(kMaxSaveBytes + 1, 'x');
  RebasedTar r =
      rebase_tar(raw_tar_entry("save/world.bin", '0', big.size(), big) + raw_tar_end(), "save");
  EXPECT_EQ(r.error, SaveError::kTooLarge) << r.detail;
  EXPECT_TRUE(r.tar.empty());
  // Files that add up over the limit, each one under it (a 1 KiB limit here).
  const std::string half(513, 'y');
  r = rebase_tar(make_tar({{"save/a", half}, {"save/b", half}}), "save", 1024);
  EXPECT_EQ(r.error, SaveError::kTooLarge) << r.detail;
  r = rebase_tar(make_tar({{"save/a", half}}), "save", 1024);
  EXPECT_EQ(r.error, SaveError::kTooLarge) << r.detail;  // the archive itself is over it
  r = rebase_tar(make_tar({{"save/a", "small"}}), "save", 4096);
  EXPECT_EQ(r.error, SaveError::kNone) << r.detail;
}

TEST(SaveArchive, SetuidBitsAreDropped) {
  const std::string tar = raw_tar_entry("save/run", '0', 1, "x", "", 04755) +
                          raw_tar_entry("save/d/", '5', 0, "", "", 01777) + raw_tar_end();
  RebasedTar r = rebase_tar(tar, "save");
  ASSERT_EQ(r.error, SaveError::kNone) << r.detail;
  EXPECT_EQ(tar_modes(r.tar),
            (std::map<std::string, unsigned>{{"save/run", 0755}, {"save/d/", 0777}}));
}

TEST(SaveArchive, WriteThenRead) {
  const std::string dir = testing::TempDir() + "/ringside-save-test";
  std::filesystem::remove_all(dir);
  const std::string path = save_file_path(dir + "/nested", Id128{7, 9});
  std::string error;
  EXPECT_FALSE(read_save(path, &error));
  ASSERT_TRUE(write_save(path, "first", &error)) << error;
  ASSERT_TRUE(write_save(path, "second", &error)) << error;
  auto back = read_save(path, &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, "second");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ringside
