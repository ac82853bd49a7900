#pragma once
// A rate such as "3/min" or "5000/s", as written in configuration.
#include <optional>
#include <string_view>

namespace ringside {

struct Rate {
  double per_second;
};

// Accepts "N/s", "N/min" and "N/h" where N is a positive decimal number written with digits
// and at most one '.' between digits ("3", "5000", "0.5"). No spaces, signs, exponents or
// other units; anything else (including a rate of zero) is nullopt.
std::optional<Rate> parse_rate(std::string_view text);

}  // namespace ringside
