#include "model/rate.h"

#include <charconv>
#include <cmath>

namespace ringside {
namespace {

// Digits, optionally followed by '.' and more digits: what from_chars must not widen
// (it would also take signs, exponents, "inf" and "nan").
bool is_plain_decimal(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (!digits()) return false;
  if (i == s.size()) return true;
  if (s[i] != '.') return false;
  ++i;
  return digits() && i == s.size();
}

std::optional<double> seconds_per_unit(std::string_view unit) {
  if (unit == "s") return 1.0;
  if (unit == "min") return 60.0;
  if (unit == "h") return 3600.0;
  return std::nullopt;
}

}  // namespace

std::optional<Rate> parse_rate(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view count = text.substr(0, slash);
  const auto unit_seconds = seconds_per_unit(text.substr(slash + 1));
  if (!unit_seconds || !is_plain_decimal(count)) return std::nullopt;

  double n = 0;
  const auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
  if (ec != std::errc() || end != count.data() + count.size()) return std::nullopt;
  if (!(n > 0) || !std::isfinite(n)) return std::nullopt;
  return Rate{n / *unit_seconds};
}

}  // namespace ringside
