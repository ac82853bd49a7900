#include "tools/storm/arrivals.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "model/rate.h"

namespace ringside::storm {
namespace {

std::optional<double> parse_number(std::string_view text) {
  if (text.empty() || text.front() == '+' || text.front() == '-') return std::nullopt;
  double value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

ArrivalSchedule ArrivalSchedule::constant(double per_second) {
  return {Kind::kConstant, per_second, per_second, 0};
}

ArrivalSchedule ArrivalSchedule::ramp(double from_per_second, double to_per_second,
                                      double seconds) {
  return {Kind::kRamp, from_per_second, to_per_second, seconds};
}

ArrivalSchedule ArrivalSchedule::burst() { return {Kind::kBurst, 0, 0, 0}; }

// Launch n is due when the launches offered so far, the integral of the rate, reach n.
double ArrivalSchedule::due_seconds(uint64_t n) const {
  const auto count = static_cast<double>(n);
  switch (kind_) {
    case Kind::kBurst:
      return 0;
    case Kind::kConstant:
      return count / from_;
    case Kind::kRamp:
      break;
  }
  if (n == 0) return 0;
  const double during_ramp = (from_ + to_) / 2 * seconds_;
  if (count > during_ramp) {
    if (to_ <= 0) return std::numeric_limits<double>::infinity();
    return seconds_ + (count - during_ramp) / to_;
  }
  // from*t + a*t^2 = n with a = (to - from) / (2 * seconds); this form of the root stays exact
  // when a is zero or negative.
  const double a = (to_ - from_) / (2 * seconds_);
  return 2 * count / (from_ + std::sqrt(from_ * from_ + 4 * a * count));
}

uint64_t ArrivalSchedule::due_ns(uint64_t n) const {
  const double ns = due_seconds(n) * 1e9;
  if (!(ns < 1.8e19)) return UINT64_MAX;
  return static_cast<uint64_t>(std::llround(ns));
}

double ArrivalSchedule::rate_at(double seconds) const {
  switch (kind_) {
    case Kind::kBurst:
      return std::numeric_limits<double>::infinity();
    case Kind::kConstant:
      return from_;
    case Kind::kRamp:
      break;
  }
  if (seconds >= seconds_) return to_;
  return from_ + (to_ - from_) * seconds / seconds_;
}

std::optional<ArrivalSchedule> parse_ramp(std::string_view text) {
  const size_t first = text.find(':');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = text.find(':', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  auto from = parse_number(text.substr(0, first));
  auto to = parse_number(text.substr(first + 1, second - first - 1));
  auto seconds = parse_number(text.substr(second + 1));
  if (!from || !to || !seconds || *seconds <= 0 || (*from == 0 && *to == 0)) return std::nullopt;
  return ArrivalSchedule::ramp(*from, *to, *seconds);
}

std::optional<double> parse_launch_rate(std::string_view text) {
  if (auto bare = parse_number(text)) {
    if (*bare > 0) return bare;
    return std::nullopt;
  }
  if (auto rate = parse_rate(text)) return rate->per_second;
  return std::nullopt;
}

}  // namespace ringside::storm
