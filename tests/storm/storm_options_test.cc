#include "tools/storm/options.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace ringside::storm {
namespace {

// parse_options() over "storm" followed by `args`.
std::string parse(const std::vector<const char*>& args, StormOptions* options) {
  std::vector<std::string> words{"storm"};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  bool help = false;
  return parse_options(static_cast<int>(argv.size()), argv.data(), options, &help);
}

TEST(StormOptions, ALaunchStormAsBefore) {
  StormOptions o;
  ASSERT_EQ(parse({"--operator-key", "k", "--rate", "200", "--duration", "30"}, &o), "");
  ASSERT_TRUE(o.schedule.has_value());
  EXPECT_EQ(o.schedule_text, "rate 200");
  EXPECT_EQ(o.poll_rate, 0);
  EXPECT_EQ(o.connections, 256u);
}

TEST(StormOptions, ASteadyPollLoadAlone) {
  StormOptions o;
  ASSERT_EQ(parse({"--poll-sessions", "s.txt", "--poll-rate", "600/min", "--duration", "10"}, &o),
            "");
  EXPECT_FALSE(o.schedule.has_value());
  EXPECT_EQ(o.schedule_text, "no launches");
  EXPECT_EQ(o.poll_sessions_path, "s.txt");
  EXPECT_DOUBLE_EQ(o.poll_rate, 10);
  EXPECT_EQ(o.poll_connections, 64u);
  EXPECT_TRUE(o.operator_key.empty());  // no launches: no key needed
}

TEST(StormOptions, ASteadyPollLoadBesideAStorm) {
  StormOptions o;
  ASSERT_EQ(parse({"--operator-key=k", "--rate=10000", "--duration=10", "--poll-sessions=s.txt",
                   "--poll-rate=10000/s", "--poll-connections=32"},
                  &o),
            "");
  ASSERT_TRUE(o.schedule.has_value());
  EXPECT_DOUBLE_EQ(o.poll_rate, 10000);
  EXPECT_EQ(o.poll_connections, 32u);
}

TEST(StormOptions, RefusesIncompleteOrContradictorySteadyPolls) {
  const std::vector<std::pair<std::vector<const char*>, std::string>> cases = {
      {{"--duration", "10"}, "one of --rate, --ramp or --burst is required (or --poll-rate alone)"},
      {{"--poll-sessions", "s.txt", "--duration", "10"},
       "--poll-sessions and --poll-rate go together"},
      {{"--poll-rate", "100", "--duration", "10"}, "--poll-sessions and --poll-rate go together"},
      {{"--poll-sessions", "s.txt", "--poll-rate", "100"}, "--poll-rate needs --duration"},
      {{"--operator-key", "k", "--rate", "10", "--launches", "5", "--poll-sessions", "s.txt",
        "--poll-rate", "100"},
       "--poll-rate needs --duration"},
      {{"--poll-sessions", "s.txt", "--poll-rate", "100", "--duration", "10", "--launches", "5"},
       "--launches needs --rate, --ramp or --burst"},
      {{"--poll-sessions", "s.txt", "--poll-rate", "100", "--duration", "10", "--poll-connections",
        "0"},
       "--poll-connections must be at least 1"},
      {{"--poll-sessions", "s.txt", "--poll-rate", "0", "--duration", "10"},
       "bad value for --poll-rate: '0'"},
      {{"--poll-sessions", "s.txt", "--poll-rate", "fast", "--duration", "10"},
       "bad value for --poll-rate: 'fast'"},
      {{"--poll-sessions", "", "--poll-rate", "100", "--duration", "10"},
       "bad value for --poll-sessions: ''"},
      {{"--rate", "100", "--duration", "10", "--poll-sessions", "s.txt", "--poll-rate", "100"},
       "--operator-key is required"},
  };
  for (const auto& [args, error] : cases) {
    StormOptions o;
    EXPECT_EQ(parse(args, &o), error);
  }
}

}  // namespace
}  // namespace ringside::storm
