#pragma once
// Tar archives in memory for the Docker tests (libarchive), as the archive API carries them.
#include <map>
#include <string>

namespace ringside {

// name -> contents; a name ending in '/' is a directory.
std::string make_tar(const std::map<std::string, std::string>& files);
// name -> contents of each entry of a tar; directories as name -> "<dir>".
std::map<std::string, std::string> tar_entries(const std::string& tar);

// The last tick number in the test game's save/progress.txt ("tick N <time>" lines); -1 if
// there is none.
int last_tick(const std::string& progress);

}  // namespace ringside
