// The command line, the config file and the log format, as an operator meets them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "integration/http_client.h"
#include "integration/http_expect.h"
#include "integration/server_process.h"
#include "integration/server_test.h"

namespace ringside::itest {
namespace {

using Clock = std::chrono::steady_clock;

bool has_field(const std::string& line, const std::string& field) {
  return (" " + line + " ").find(" " + field + " ") != std::string::npos;
}

class CliTest : public ServerTest {
 protected:
  void TearDown() override {
    ServerTest::TearDown();
    if (!config_path_.empty()) std::filesystem::remove(config_path_);
  }

  std::string write_config(const std::string& text) {
    config_path_ = (std::filesystem::temp_directory_path() /
                    ("ringside-itest-" + std::to_string(::getpid()) + ".conf"))
                       .string();
    std::ofstream(config_path_) << text;
    return config_path_;
  }

  // The first log line with `event=listening`, waiting up to 2 s for it to be written.
  std::string listening_line() {
    auto deadline = Clock::now() + std::chrono::seconds(2);
    do {
      std::istringstream lines(server_.log());
      for (std::string line; std::getline(lines, line);) {
        if (has_field(line, "event=listening")) return line;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (Clock::now() < deadline);
    return {};
  }

  std::string config_path_;
};

TEST(CliHelpTest, HelpListsEveryFlagAndExitsZero) {
  CompletedRun run = run_server_binary({"--help"});
  EXPECT_EQ(run.exit_status, 0);
  for (const char* flag :
       {"--listen", "--shards", "--log-level", "--config", "--max-connections", "--header-timeout",
        "--body-timeout", "--keepalive-timeout", "--max-output-backlog"}) {
    EXPECT_NE(run.output.find(flag), std::string::npos) << flag << " missing from:\n" << run.output;
  }
}

TEST(CliHelpTest, UnknownFlagIsRejectedWithNonZeroExit) {
  CompletedRun run = run_server_binary({"--no-such-flag"});
  EXPECT_NE(run.exit_status, 0);
  EXPECT_NE(run.output.find("--no-such-flag"), std::string::npos) << run.output;
}

// Bad values are refused before anything starts, naming the flag.
TEST(CliValuesTest, BadFlagValuesAreRejectedNamingTheFlag) {
  const std::vector<std::vector<std::string>> bad = {{"--launch-rate-per-player", "3/fortnight"},
                                                     {"--launch-budget", "-5/s"},
                                                     {"--shards", "zero"},
                                                     {"--header-timeout", "0"},
                                                     {"--listen", "127.0.0.1"},
                                                     {"--sim-pull-failure-rate", "1.5"},
                                                     {"--backend", "kubernetes"},
                                                     {"--log-level", "loud"}};
  for (const auto& args : bad) {
    CompletedRun run = run_server_binary(args);
    EXPECT_EQ(run.exit_status, 2) << args[0] << " " << args[1];
    EXPECT_NE(run.output.find(args[0].substr(2)), std::string::npos)
        << args[0] << ": " << run.output;
  }
}

TEST(CliValuesTest, UnreadableCatalogIsRefused) {
  CompletedRun run = run_server_binary({"--catalog", "/nonexistent/catalog.json"});
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_NE(run.output.find("catalog"), std::string::npos) << run.output;
}

TEST(CliValuesTest, AnUnusableDatabaseIsRefusedAtStartNamingWhy) {
  // Not a URL libpq can read.
  CompletedRun bad = run_server_binary(
      {"--database-url", "postgres://[nope", "--operator-key", "k", "--listen", "127.0.0.1:0"});
  EXPECT_NE(bad.exit_status, 0);
  EXPECT_NE(bad.output.find("--database-url"), std::string::npos) << bad.output;
  // Nothing listening there: refused at start, not served half-working.
  const std::string url =
      "postgres://ringside@127.0.0.1:" + std::to_string(pick_free_port()) + "/ringside";
  CompletedRun down =
      run_server_binary({"--database-url", url, "--operator-key", "k", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(down.exit_status, 1) << down.output;
  EXPECT_NE(down.output.find("event=database_unusable"), std::string::npos) << down.output;
}

TEST(CliValuesTest, AMalformedTokenSecretFileIsRefused) {
  const std::string path = "/tmp/ringside-bad-secret-" + std::to_string(::getpid());
  { std::ofstream(path) << "not hex\n"; }
  CompletedRun run = run_server_binary({"--token-secret-file", path, "--operator-key", "k"});
  std::remove(path.c_str());
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_NE(run.output.find("64 lowercase hex digits"), std::string::npos) << run.output;
}

TEST_F(CliTest, ConfigFileIsHonouredAndTheCommandLineWins) {
  uint16_t config_port = pick_free_port();
  std::string path = write_config(
      "# ringside test configuration\n"
      "listen = 127.0.0.1:" +
      std::to_string(config_port) +
      "\n"
      "\n"
      "shards = 1\n");
  // The harness passes --listen before --config: the command line wins wherever it stands.
  ASSERT_TRUE(server_.start({"--config", path}));

  HttpClient client;
  ASSERT_TRUE(client.connect(port())) << client.error();
  EXPECT_TRUE(is_healthy(client.request("GET", "/healthz"))) << client.error();
  HttpClient on_config_port;
  EXPECT_FALSE(on_config_port.connect(config_port, 500)) << "listening on the config's port too";

  std::string line = listening_line();
  EXPECT_TRUE(has_field(line, "shards=1")) << "the config's shards was not used: " << line;
  EXPECT_TRUE(has_field(line, "addr=127.0.0.1:" + std::to_string(port()))) << line;
}

// docs/configuration.md: `#` starts a comment only at the start of a line or after
// whitespace, and a double-quoted value holds anything (`\"` and `\\` escaped): a secret is
// never cut short.
TEST_F(CliTest, ConfigValuesKeepTheirHashesAndQuotedValuesHoldAnything) {
  std::string path = write_config(
      "operator-key = s3cret#tail   # the key, then a comment\n"
      "   # an indented comment\n"
      "iframe-base = \"https://play.example.test/a b #c \\\"q\\\" \\\\\"  # quoted\n");
  ASSERT_TRUE(server_.start({"--config", path}));
  HttpClient client;
  ASSERT_TRUE(client.connect(port())) << client.error();
  auto r = client.request("POST", "/operator/launch", R"({"playerId":"alice"})",
                          {{"Authorization", "Bearer s3cret#tail"}});
  ASSERT_TRUE(has_status(r, 200)) << client.error();
  EXPECT_NE(r->body.find(R"("launchUrl":"https://play.example.test/a b #c \"q\" \\/?)"),
            std::string::npos)
      << r->body;
}

TEST_F(CliTest, AnUnterminatedQuoteInTheConfigFileIsRefusedNamingTheLine) {
  std::string path = write_config("shards = 1\noperator-key = \"s3cret\\\"\n");
  CompletedRun run = run_server_binary({"--config", path});
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_NE(run.output.find(path + ":2:"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("quote"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("s3cret"), std::string::npos) << "a secret was printed";
}

TEST_F(CliTest, LogIsOneKeyValueLinePerEventStartingWithListening) {
  ASSERT_TRUE(server_.start({"--shards", "2"}));
  HttpClient client;
  ASSERT_TRUE(client.connect(port())) << client.error();
  EXPECT_TRUE(is_healthy(client.request("GET", "/healthz"))) << client.error();

  std::string line = listening_line();
  ASSERT_FALSE(line.empty()) << "no event=listening line";
  EXPECT_TRUE(has_field(line, "level=info")) << line;
  EXPECT_TRUE(has_field(line, "addr=127.0.0.1:" + std::to_string(port()))) << line;
  EXPECT_TRUE(has_field(line, "shards=2")) << line;

  std::istringstream lines(server_.log());
  for (std::string l; std::getline(lines, l);) {
    if (l.empty()) continue;
    EXPECT_EQ(l.rfind("ts=", 0), 0u) << "not a log line: " << l;
    EXPECT_NE(l.find(" level="), std::string::npos) << "no level: " << l;
    EXPECT_NE(l.find(" event="), std::string::npos) << "no event: " << l;
  }
}

TEST_F(CliTest, GeneratedOperatorKeyIsPrintedButNeverLogged) {
  ASSERT_TRUE(server_.start({"--shards", "1"}));
  const std::string prefix = "operator key: ";
  std::string printed = server_.standard_output();
  size_t at = printed.find(prefix);
  ASSERT_NE(at, std::string::npos) << "no operator key on stdout: " << printed;
  std::string key = printed.substr(at + prefix.size());
  key = key.substr(0, key.find('\n'));
  ASSERT_GE(key.size(), 16u) << "a short operator key: " << key;

  HttpClient client;
  ASSERT_TRUE(client.connect(port())) << client.error();
  EXPECT_TRUE(is_healthy(client.request("GET", "/healthz"))) << client.error();
  EXPECT_EQ(server_.terminate_and_wait(), 0);
  EXPECT_EQ(server_.log().find(key), std::string::npos) << "the operator key was logged";
}

}  // namespace
}  // namespace ringside::itest
