#pragma once
// Counts of the requests the stand-in answered, by endpoint ("POST /session", ...) and status,
// plus those it took and never answered ("hung"), for GET /_standin/stats.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "http/json_writer.h"

namespace ringside::gameye_standin {

class RequestStats {
 public:
  void count(std::string_view endpoint, uint16_t status);
  void count_hung(std::string_view endpoint);
  // Renders {"<endpoint>": {"<status>" | "hung": count, ...}, ...}.
  void render(JsonWriter& w) const;

 private:
  void add(std::string_view endpoint, const std::string& outcome);

  std::map<std::string, std::map<std::string, uint64_t>, std::less<>> counts_;
};

}  // namespace ringside::gameye_standin
