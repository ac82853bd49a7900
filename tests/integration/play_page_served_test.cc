// The play page (web/play/, docs/play-page.md) served by ringside itself: GET /play/{slug}
// answers the page for any slug and query, its css and js come from /play/_/{hash}/{file} under
// the hash index.html names, each with the caching, ETag/304 and security headers the page
// relies on; the token in the page's URL never reaches the log or /metrics.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include "integration/http_client.h"
#include "integration/http_expect.h"
#include "integration/server_test.h"

namespace ringside::itest {
namespace {

constexpr std::string_view kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; frame-src http: https:; base-uri 'none'; form-action 'none'";

std::string repository_file(const std::string& path) {
  std::ifstream file(std::string(RINGSIDE_TESTS_DIR) + "/../" + path);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

::testing::AssertionResult has_security_headers(const HttpResponse& r) {
  if (r.header("Content-Security-Policy") != kPolicy ||
      r.header("X-Content-Type-Options") != "nosniff" ||
      r.header("Referrer-Policy") != "no-referrer") {
    return ::testing::AssertionFailure() << "security headers missing:\n" << describe(r);
  }
  return ::testing::AssertionSuccess();
}

class PlayPageServedTest : public ServerTest {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start({"--shards", "2"})); }

  std::optional<HttpResponse> get(const std::string& target, const HeaderList& headers = {}) {
    HttpClient client;
    if (!client.connect(port())) return std::nullopt;
    return client.request("GET", target, {}, headers);
  }

  // The folder index.html loads its css and js from: "_/<hash>/".
  static std::string asset_hash(const std::string& page) {
    std::smatch m;
    if (!std::regex_search(page, m, std::regex(R"re(src="_/([0-9a-f]{16})/main\.js")re"))) {
      return "";
    }
    return m[1];
  }
};

TEST_F(PlayPageServedTest, AnyGameSlugAndQueryGetThePageRevalidatedEachLoad) {
  for (std::string target : {"/play/tlon-uqbar?sessionToken=t1&id=tlon-uqbar&lobbyUrl=https%3A%2F"
                             "%2Flobby.example",
                             "/play/no-such-game", "/play/_",
                             // A launch URL minted without a game.
                             "/play/?sessionToken=t1"}) {
    std::optional<HttpResponse> r = get(target);
    ASSERT_TRUE(has_status(r, 200)) << target;
    EXPECT_EQ(r->header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(r->header("Cache-Control"), "no-cache");
    EXPECT_TRUE(has_security_headers(*r));
    EXPECT_NE(r->body.find("<main>"), std::string::npos);
    EXPECT_NE(r->body.find(R"(id="status" role="status" aria-live="polite")"), std::string::npos);
  }
  // The repository's index.html, but for the hash the build wrote into the asset URLs.
  std::optional<HttpResponse> r = get("/play/tlon-uqbar");
  ASSERT_TRUE(has_status(r, 200));
  const std::string hash = asset_hash(r->body);
  ASSERT_FALSE(hash.empty()) << r->body;
  std::string page = repository_file("web/play/index.html");
  for (size_t at; (at = page.find("@PLAY_HASH@")) != std::string::npos;) {
    page.replace(at, 11, hash);
  }
  EXPECT_TRUE(r->body == page) << "the served page is not web/play/index.html";
  // The page loads nothing inline (the policy would block it): one stylesheet, one module.
  EXPECT_EQ(r->body.find("<style"), std::string::npos);
  EXPECT_EQ(r->body.find("<script>"), std::string::npos);
}

TEST_F(PlayPageServedTest, AssetsAreCachedForGoodUnderTheBuildsHash) {
  std::optional<HttpResponse> page = get("/play/tlon-uqbar");
  ASSERT_TRUE(has_status(page, 200));
  const std::string hash = asset_hash(page->body);
  ASSERT_FALSE(hash.empty());
  struct Expected {
    const char* file;
    const char* type;
  };
  for (const Expected& e : {Expected{"play.css", "text/css; charset=utf-8"},
                            Expected{"main.js", "text/javascript; charset=utf-8"},
                            Expected{"api.js", "text/javascript; charset=utf-8"},
                            Expected{"view.js", "text/javascript; charset=utf-8"}}) {
    std::optional<HttpResponse> r = get("/play/_/" + hash + "/" + e.file);
    ASSERT_TRUE(has_status(r, 200)) << e.file;
    EXPECT_EQ(r->header("Content-Type"), e.type) << e.file;
    EXPECT_EQ(r->header("Cache-Control"), "public, max-age=31536000, immutable") << e.file;
    EXPECT_TRUE(has_security_headers(*r)) << e.file;
    EXPECT_TRUE(r->body == repository_file(std::string("web/play/") + e.file))
        << e.file << " is not served as it is in web/play/";
  }
}

TEST_F(PlayPageServedTest, UnknownFilesAndOtherHashesAreNotFound) {
  std::optional<HttpResponse> page = get("/play/x");
  ASSERT_TRUE(has_status(page, 200));
  const std::string hash = asset_hash(page->body);
  ASSERT_FALSE(hash.empty());
  for (const std::string& target :
       {"/play/_/" + hash + "/nope.js", "/play/_/" + hash + "/index.html",
        std::string("/play/_/0000000000000000/main.js"), "/play/_/" + hash + "/main.js/x",
        "/play/_/" + hash}) {
    std::optional<HttpResponse> r = get(target);
    ASSERT_TRUE(has_status(r, 404)) << target;
    EXPECT_EQ(media_type(*r), "application/json") << target;
    EXPECT_EQ(r->header("Cache-Control"), "") << target << ": a 404 is not cached for good";
  }
  std::optional<HttpResponse> r = get("/play/_/" + hash + "/nope.js");
  ASSERT_TRUE(has_status(r, 404));
  EXPECT_TRUE(has_security_headers(*r));
}

TEST_F(PlayPageServedTest, AMatchingIfNoneMatchIsAnsweredNotModified) {
  std::optional<HttpResponse> page = get("/play/tlon-uqbar?sessionToken=t1");
  ASSERT_TRUE(has_status(page, 200));
  const std::string etag = page->header("ETag");
  ASSERT_TRUE(std::regex_match(etag, std::regex(R"re("[0-9a-f]{16}")re"))) << etag;
  // Another slug or query is the same page, so the same tag; a weak or listed tag matches too.
  for (const std::string& if_none_match : {etag, "W/" + etag, "\"0\", " + etag, std::string("*")}) {
    HttpClient client;
    ASSERT_TRUE(client.connect(port()));
    std::optional<HttpResponse> r = client.request("GET", "/play/other-game?sessionToken=t2", {},
                                                   {{"If-None-Match", if_none_match}});
    ASSERT_TRUE(has_status(r, 304)) << if_none_match;
    EXPECT_EQ(r->body, "");
    EXPECT_FALSE(r->has_header("Content-Length")) << describe(*r);
    EXPECT_EQ(r->header("ETag"), etag);
    EXPECT_EQ(r->header("Cache-Control"), "no-cache");
    EXPECT_TRUE(has_security_headers(*r));
    // The connection goes on: the 304 framed no body.
    std::optional<HttpResponse> next = client.request("GET", "/healthz");
    EXPECT_TRUE(has_status(next, 200));
  }
  std::optional<HttpResponse> stale = get("/play/tlon-uqbar", {{"If-None-Match", "\"0000\""}});
  ASSERT_TRUE(has_status(stale, 200));
  EXPECT_EQ(stale->body, page->body);

  const std::string hash = asset_hash(page->body);
  std::optional<HttpResponse> js = get("/play/_/" + hash + "/main.js");
  ASSERT_TRUE(has_status(js, 200));
  EXPECT_NE(js->header("ETag"), etag);
  std::optional<HttpResponse> again =
      get("/play/_/" + hash + "/main.js", {{"If-None-Match", js->header("ETag")}});
  ASSERT_TRUE(has_status(again, 304));
  EXPECT_EQ(again->header("Cache-Control"), "public, max-age=31536000, immutable");

  std::optional<HttpResponse> metrics = get("/metrics");
  ASSERT_TRUE(has_status(metrics, 200));
  EXPECT_NE(
      metrics->body.find(R"(ringside_http_requests_total{route="/play/{slug}",status="304"} 4)"),
      std::string::npos)
      << metrics->body.substr(0, 3000);
}

TEST_F(PlayPageServedTest, OnlyGetIsServed) {
  HttpClient client;
  ASSERT_TRUE(client.connect(port()));
  std::optional<HttpResponse> r = client.request("POST", "/play/tlon-uqbar", "{}");
  ASSERT_TRUE(has_status(r, 405));
  EXPECT_EQ(r->header("Allow"), "GET");
}

// The launch URL carries the player's token in its query: nothing the server writes may.
TEST(PlayPageLogTest, TheTokenInThePagesUrlIsNeverLoggedNorALabel) {
  ServerProcess server;
  ASSERT_TRUE(server.start({"--shards", "2", "--log-level", "debug"}));
  const std::string token = "tSECRETtokenNEVERinALOGline0";
  HttpClient client;
  ASSERT_TRUE(client.connect(server.port()));
  std::optional<HttpResponse> r =
      client.request("GET", "/play/tlon-uqbar?sessionToken=" + token + "&id=tlon-uqbar");
  ASSERT_TRUE(has_status(r, 200));
  r = client.request("GET", "/play/_/0/main.js?sessionToken=" + token);
  ASSERT_TRUE(has_status(r, 404));
  r = client.request("POST", "/play/tlon-uqbar?sessionToken=" + token);
  ASSERT_TRUE(has_status(r, 405));
  // A request the parser refuses: its target is in the bytes the server read.
  HttpClient bad;
  ASSERT_TRUE(bad.connect(server.port()));
  ASSERT_TRUE(bad.send_raw("GET /play/x?sessionToken=" + token + " HTTP/1.1\r\nHost : x\r\n\r\n"));
  std::optional<HttpResponse> refused = bad.read_response();
  ASSERT_TRUE(has_status(refused, 400));

  std::optional<HttpResponse> metrics = client.request("GET", "/metrics");
  ASSERT_TRUE(has_status(metrics, 200));
  EXPECT_NE(metrics->body.find("route=\"/play/{slug}\""), std::string::npos);
  EXPECT_EQ(metrics->body.find("SECRET"), std::string::npos);
  EXPECT_EQ(server.terminate_and_wait(), 0);
  const std::string log = server.log();
  EXPECT_NE(log.find("listening"), std::string::npos) << "no log captured:\n" << log;
  EXPECT_EQ(log.find("SECRET"), std::string::npos) << log;
  EXPECT_EQ(log.find("sessionToken"), std::string::npos) << log;
}

}  // namespace
}  // namespace ringside::itest
