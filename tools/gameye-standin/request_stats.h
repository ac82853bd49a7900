#pragma once
// Counts of the requests the stand-in answered, by endpoint ("POST /session", ...) and status,
// plus those it took and never answered ("hung") or answers later ("delayed"), for
// GET /_standin/stats.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/json_writer.h"

namespace ringside::gameye_standin {

class RequestStats {
 public:
  void count(std::string_view endpoint, uint16_t status);
  void count_hung(std::string_view endpoint);
  // A request taken to be answered later (--list-delay-ms), counted on arrival.
  void count_delayed(std::string_view endpoint);
  // A POST /session that named this id (whatever its answer).
  void count_launch_id(std::string_view id);
  // Renders {"<endpoint>": {"<status>" | "hung": count, ...}, ...}.
  void render(JsonWriter& w) const;
  // Renders {"<id>": launches, ...}.
  void render_launch_ids(JsonWriter& w) const;

 private:
  void add(std::string_view endpoint, const std::string& outcome);

  std::map<std::string, std::map<std::string, uint64_t>, std::less<>> counts_;
  std::map<std::string, uint64_t, std::less<>> launch_ids_;
};

}  // namespace ringside::gameye_standin
