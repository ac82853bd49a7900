#pragma once
// The books of a storm run: every launch the server accepted (202) must end in exactly one
// state storm saw — running (still playing when the run ended), error, or stopped. A launch
// still starting at the end was lost; a session id handed out for two different launches is
// a duplicate. Launches are numbered by storm (the n of player storm-<run>-<n>).
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ringside::storm {

enum class LaunchState : uint8_t { kStarting, kRunning, kError, kStopped };

class LaunchAccounting {
 public:
  struct Duplicate {
    std::string session_id;
    uint64_t first_launch;
    uint64_t second_launch;
  };
  struct Summary {
    uint64_t accepted = 0;
    uint64_t running = 0;
    uint64_t error = 0;
    uint64_t stopped = 0;
    uint64_t starting = 0;       // == lost.size()
    std::vector<uint64_t> lost;  // launches still starting, ascending
    std::vector<Duplicate> duplicates;
    // accepted == running + error + stopped, and no session id was handed out twice.
    bool balanced() const { return starting == 0 && duplicates.empty(); }
  };

  // The server answered 202 with `session_id` for launch `launch`. Returns false (and records
  // nothing) when that launch was already accepted. An empty id (a 202 without one) is never
  // a duplicate; its launch stays starting, so it is counted lost.
  bool accepted(uint64_t launch, std::string_view session_id);
  // Room for `launches` accepted launches, so that the books do not rehash mid-run.
  void reserve(uint64_t launches);
  // A status poll saw the session running / in error; a stop answered "stopped". Each returns
  // false, changing nothing, for a launch never accepted or one whose state does not allow the
  // move: running and error only follow starting; stopped follows starting or running.
  bool running(uint64_t launch);
  bool failed(uint64_t launch);
  bool stopped(uint64_t launch);

  // The state of an accepted launch, or nullptr when it was not accepted.
  const LaunchState* state(uint64_t launch) const;
  // The session id an accepted launch was given ("" when it was not accepted).
  std::string_view session_id(uint64_t launch) const;

  Summary summary() const;

 private:
  struct Entry {
    std::string session_id;
    LaunchState state = LaunchState::kStarting;
  };
  bool move(uint64_t launch, LaunchState to);

  std::unordered_map<uint64_t, Entry> launches_;
  // The first launch each session id was given to.
  std::unordered_map<std::string, uint64_t> first_launch_of_session_;
  std::vector<Duplicate> duplicates_;
};

}  // namespace ringside::storm
