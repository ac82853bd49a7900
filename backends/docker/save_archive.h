#pragma once
// A player's save data as the Docker backend keeps it: one tar file per save slot,
// `<save_root>/<slot id as 32 hex digits>.tar`, holding the game's save directory as
// `GET /containers/{id}/archive?path=<save_dir>` gives it (one top entry, the directory's own
// name). It goes back with `PUT /containers/{id}/archive?path=<parent of save_dir>`, its top
// entry renamed to the save directory's name (a game may move its save directory between
// versions). Tar reading and writing via libarchive.
//
// The tar comes from the game's container, so it is not trusted: only regular files and
// directories, with relative paths that stay inside the save directory, are kept; a link, a
// device, an absolute path, `..`, a size the archive does not hold, or more than the size limit
// rejects the whole save (the slot keeps its previous one).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "model/ids.h"
#include "model/session_types.h"

namespace ringside {

std::string save_file_path(std::string_view save_root, const Id128& slot);

// "/home/game/save/" -> "/home/game" and "save"; "/save" -> "/" and "save".
std::string parent_dir(std::string_view path);
std::string base_name(std::string_view path);

// The largest save kept: the archive as the engine sends it and the file contents in it.
inline constexpr size_t kMaxSaveBytes = size_t{64} << 20;

struct RebasedTar {
  std::string tar;  // when error is kNone
  SaveError error = SaveError::kNone;
  std::string detail;  // what was wrong, for the log (an entry's name, libarchive's words)
};

// A copy of `tar` with the first path component of every entry replaced by `top`, file
// permissions without setuid, setgid and sticky bits. kRejected when `tar` is not a readable
// tar or holds anything but regular files and directories under relative paths without `..`;
// kTooLarge when its contents or the copy exceed `max_bytes`.
RebasedTar rebase_tar(std::string_view tar, std::string_view top, size_t max_bytes = kMaxSaveBytes);

// The whole file; nullopt when it does not exist or cannot be read (*error says which).
std::optional<std::string> read_save(const std::string& path, std::string* error);
// Written to a temporary file beside it, then renamed over it: a crash never leaves half a
// save. Creates the directory. False (and *error) on failure.
bool write_save(const std::string& path, std::string_view data, std::string* error);

}  // namespace ringside
