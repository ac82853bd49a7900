#pragma once
// Splits a raw query string into its name=value pairs, both percent-decoded ('+' is a space),
// so that "filter%5Bmode%5D=duel" reads as filter[mode] = duel.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringside::gameye_standin {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// nullopt when a percent escape is malformed. A name without '=' has an empty value.
std::optional<QueryParams> decode_query(std::string_view query);

}  // namespace ringside::gameye_standin
