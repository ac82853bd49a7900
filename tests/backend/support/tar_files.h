#pragma once
// Tar archives in memory for the Docker tests (libarchive), as the archive API carries them.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace ringside {

// name -> contents; a name ending in '/' is a directory.
std::string make_tar(const std::map<std::string, std::string>& files);
// name -> contents of each entry of a tar; directories as name -> "<dir>".
std::map<std::string, std::string> tar_entries(const std::string& tar);

// One ustar entry written by hand, whatever it claims: `declared_size` goes in the header
// (base-256 when octal cannot hold it), `data` after it, padded to the block. Type '0' file,
// '1' hard link, '2' symlink, '5' directory. `mode` 0: 0644 for files, 0755 for directories.
std::string raw_tar_entry(std::string_view name, char type, uint64_t declared_size,
                          std::string_view data, std::string_view link = "", unsigned mode = 0);
// mode of each entry of a tar, by name.
std::map<std::string, unsigned> tar_modes(const std::string& tar);
// The two zero blocks that end a tar.
std::string raw_tar_end();

// The last tick number in the test game's save/progress.txt ("tick N <time>" lines); -1 if
// there is none.
int last_tick(const std::string& progress);

}  // namespace ringside
