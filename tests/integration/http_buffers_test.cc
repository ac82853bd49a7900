// Connection memory (docs/http.md): a connection that needed a big buffer gives it back once
// it is idle, and past --connection-buffer-budget a shard cuts the connection holding the
// most while every other client keeps being served.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "integration/api_client.h"
#include "integration/http_client.h"
#include "integration/http_expect.h"
#include "integration/server_test.h"

namespace ringside::itest {
namespace {

using Clock = std::chrono::steady_clock;

class HttpBuffersTest : public ServerTest {
 protected:
  std::optional<double> shard0(const std::string& series) {
    HttpClient client;
    if (!client.connect(port())) return std::nullopt;
    auto r = client.request("GET", "/metrics");
    if (!r || r->status != 200) return std::nullopt;
    return metric_value(r->body, series + "{shard=\"0\"}");
  }
  std::optional<double> buffered_bytes() { return shard0("ringside_connection_buffer_bytes"); }
};

std::string post_head(size_t content_length) {
  return "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(content_length) +
         "\r\n\r\n";
}

TEST_F(HttpBuffersTest, IdleConnectionGivesBackTheMemoryOfABigBody) {
  ASSERT_TRUE(server_.start({"--shards", "1"}));
  constexpr size_t kBody = 60000;
  HttpClient client;
  ASSERT_TRUE(client.connect(port())) << client.error();
  ASSERT_TRUE(client.send_raw(post_head(kBody) + std::string(kBody - 10, 'b'))) << client.error();

  // While the body is partial, the shard holds it.
  std::optional<double> held;
  for (auto deadline = Clock::now() + std::chrono::seconds(3); Clock::now() < deadline;) {
    held = buffered_bytes();
    if (held && *held >= kBody - 10) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(held) << "no ringside_connection_buffer_bytes in /metrics";
  EXPECT_GE(*held, kBody - 10);

  // Answered, then idle on its keep-alive connection: the body's buffer is freed.
  ASSERT_TRUE(client.send_raw(std::string(10, 'b'))) << client.error();
  EXPECT_TRUE(is_error(client.read_response(3000), 405, "method_not_allowed"));
  held = buffered_bytes();
  ASSERT_TRUE(held);
  EXPECT_LT(*held, 16384) << "an idle connection kept the memory of its big request";
  EXPECT_TRUE(is_healthy(client.request("GET", "/healthz"))) << client.error();
}

// Two clients in the middle of big uploads hold 128 KiB; one that pipelines without reading
// makes its unsent answers grow past the 256 KiB budget. It is cut (well before the 64 MiB
// output backlog would cut it); the uploads then finish and are answered.
TEST_F(HttpBuffersTest, AtTheBudgetTheLargestHolderIsCutAndOthersAreServed) {
  ASSERT_TRUE(server_.start({"--shards", "1", "--connection-buffer-budget", "262144",
                             "--max-output-backlog", "67108864"}));
  constexpr size_t kBody = 40000;
  HttpClient uploads[2];
  for (auto& upload : uploads) {
    ASSERT_TRUE(upload.connect(port())) << upload.error();
    ASSERT_TRUE(upload.send_raw(post_head(kBody) + std::string(kBody - 1, 'u'))) << upload.error();
  }
  HttpClient bystander;
  ASSERT_TRUE(bystander.connect(port())) << bystander.error();
  ASSERT_TRUE(is_healthy(bystander.request("GET", "/healthz"))) << bystander.error();

  HttpClient flood;
  ASSERT_TRUE(flood.connect(port(), 2000, 4096)) << flood.error();
  std::string batch;
  for (int i = 0; i < 1000; ++i) batch += "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  send_without_reading(flood, batch, 200, deadline);
  int left_ms = static_cast<int>(std::max<int64_t>(
      0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count()));
  EXPECT_TRUE(flood.closed_by_peer(left_ms)) << "the connection holding the most was not cut";

  for (auto& upload : uploads) {
    ASSERT_TRUE(upload.send_raw("u")) << upload.error();
    EXPECT_TRUE(is_error(upload.read_response(3000), 405, "method_not_allowed")) << upload.error();
  }
  EXPECT_TRUE(is_healthy(bystander.request("GET", "/healthz"))) << bystander.error();
  EXPECT_EQ(shard0("ringside_connection_buffer_cuts_total"), 1.0);
  EXPECT_NE(server_.log().find("connection_buffer_cut"), std::string::npos);
}

}  // namespace
}  // namespace ringside::itest
