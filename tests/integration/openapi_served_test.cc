// GET /openapi.json: the document kept in the repository (api/openapi.json), served without
// authentication as JSON.
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <iterator>
#include <string>

#include "api/openapi.h"
#include "integration/http_client.h"
#include "integration/http_expect.h"
#include "integration/server_test.h"

namespace ringside::itest {
namespace {

class OpenApiServedTest : public ServerTest {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start({"--shards", "2"})); }
};

TEST_F(OpenApiServedTest, ServesTheEmbeddedDocumentWithoutAuthentication) {
  HttpClient client;
  ASSERT_TRUE(client.connect(port()));
  std::optional<HttpResponse> r = client.request("GET", "/openapi.json");
  ASSERT_TRUE(has_status(r, 200));
  EXPECT_EQ(media_type(*r), "application/json");
  EXPECT_EQ(r->body, std::string(openapi_document()));
  // Byte for byte the repository's file (embedded in pieces: api/embed_openapi.cmake), but for
  // the whitespace around it.
  std::ifstream file(std::string(RINGSIDE_TESTS_DIR) + "/../api/openapi.json");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  EXPECT_TRUE(r->body == text) << "the served document is not api/openapi.json";
  EXPECT_NE(r->body.find("\"openapi\": \"3.1.0\""), std::string::npos);
}

TEST_F(OpenApiServedTest, OtherMethodsAreNotAllowed) {
  HttpClient client;
  ASSERT_TRUE(client.connect(port()));
  std::optional<HttpResponse> r = client.request("POST", "/openapi.json");
  ASSERT_TRUE(has_status(r, 405));
  EXPECT_EQ(r->header("Allow"), "GET");
}

}  // namespace
}  // namespace ringside::itest
