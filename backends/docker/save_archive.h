#pragma once
// A player's save data as the Docker backend keeps it: one tar file per save slot,
// `<save_root>/<slot id as 32 hex digits>.tar`, holding the game's save directory as
// `GET /containers/{id}/archive?path=<save_dir>` gives it (one top entry, the directory's own
// name). It goes back with `PUT /containers/{id}/archive?path=<parent of save_dir>`, its top
// entry renamed to the save directory's name (a game may move its save directory between
// versions). Tar reading and writing via libarchive.
#include <optional>
#include <string>
#include <string_view>

#include "store/ids.h"

namespace ringside {

std::string save_file_path(std::string_view save_root, const Id128& slot);

// "/home/game/save/" -> "/home/game" and "save"; "/save" -> "/" and "save".
std::string parent_dir(std::string_view path);
std::string base_name(std::string_view path);

// A copy of `tar` with the first path component of every entry replaced by `top`. Nullopt (and
// *error set) when `tar` is not a readable tar archive or has an entry without a name.
std::optional<std::string> rebase_tar(std::string_view tar, std::string_view top,
                                      std::string* error);

// The whole file; nullopt when it does not exist or cannot be read (*error says which).
std::optional<std::string> read_save(const std::string& path, std::string* error);
// Written to a temporary file beside it, then renamed over it: a crash never leaves half a
// save. Creates the directory. False (and *error) on failure.
bool write_save(const std::string& path, std::string_view data, std::string* error);

}  // namespace ringside
