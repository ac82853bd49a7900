#pragma once
// When each launch is due, fixed before the run starts and independent of how fast the server
// answers (an open loop): a constant rate, a linear ramp from one rate to another (then the
// final rate), or a burst with every launch due at once.
#include <cstdint>
#include <optional>
#include <string_view>

namespace ringside::storm {

class ArrivalSchedule {
 public:
  static ArrivalSchedule constant(double per_second);
  // Rates in launches per second; after `seconds` the rate stays at `to_per_second`.
  static ArrivalSchedule ramp(double from_per_second, double to_per_second, double seconds);
  static ArrivalSchedule burst();

  // Nanoseconds from the start of the run at which launch n (0-based) is due; UINT64_MAX when
  // the schedule never reaches it (a ramp down to a rate of 0).
  uint64_t due_ns(uint64_t n) const;
  // Launches per second offered at `seconds` into the run (infinity for a burst).
  double rate_at(double seconds) const;
  // Seconds the ramp takes (0 for the other kinds).
  double ramp_seconds() const { return seconds_; }

 private:
  enum class Kind : uint8_t { kConstant, kRamp, kBurst };
  ArrivalSchedule(Kind kind, double from, double to, double seconds)
      : kind_(kind), from_(from), to_(to), seconds_(seconds) {}
  double due_seconds(uint64_t n) const;

  Kind kind_;
  double from_;
  double to_;
  double seconds_;
};

// "FROM:TO:SECONDS", e.g. "10:500:60": rates are launches per second (FROM or TO may be 0, not
// both), SECONDS > 0. nullopt for anything else.
std::optional<ArrivalSchedule> parse_ramp(std::string_view text);

// "N/s", "N/min", "N/h" or a bare N (per second), N > 0. nullopt for anything else.
std::optional<double> parse_launch_rate(std::string_view text);

}  // namespace ringside::storm
