// model/url_origin.h: what is logged of a URL (a webhook receiver's) is its scheme, host and
// port, never its credentials — user:pass@, a token in the path, a key in the query.
#include "model/url_origin.h"

#include <gtest/gtest.h>

#include <string>

namespace ringside {
namespace {

TEST(UrlOriginTest, KeepsOnlySchemeHostAndPort) {
  const std::string logged = url_origin_for_log(
      "https://user:pass@hooks.example.com:8443/services/T000/B000/"
      "XXXXsecretXXXX?token=abc123#frag");
  EXPECT_EQ(logged, "https://hooks.example.com:8443");
  for (const char* secret : {"user", "pass", "services", "secret", "token", "abc123", "frag"}) {
    EXPECT_EQ(logged.find(secret), std::string::npos) << secret << " in " << logged;
  }
}

TEST(UrlOriginTest, AddsTheDefaultPortOfHttpAndHttps) {
  EXPECT_EQ(url_origin_for_log("https://discord.com/api/webhooks/123/tok-en"),
            "https://discord.com:443");
  EXPECT_EQ(url_origin_for_log("http://127.0.0.1/hook"), "http://127.0.0.1:80");
  EXPECT_EQ(url_origin_for_log("HTTP://Example.com:9000"), "http://Example.com:9000");
  EXPECT_EQ(url_origin_for_log("http://[::1]:8080/x"), "http://[::1]:8080");
  EXPECT_EQ(url_origin_for_log("http://u:p@[::1]/x"), "http://[::1]:80");
  EXPECT_EQ(url_origin_for_log("ftp://example.com/hook"), "ftp://example.com");
  EXPECT_EQ(url_origin_for_log("http://host?key=secret"), "http://host:80");
}

TEST(UrlOriginTest, ShowsNothingOfWhatDoesNotParse) {
  // A '/' in the password cuts the authority short: no part of it is shown.
  EXPECT_EQ(url_origin_for_log("http://user:pa/ss@host/x"), "(unparsed URL)");
  EXPECT_EQ(url_origin_for_log("http://user:12/34@host/x"), "(unparsed URL)");
  EXPECT_EQ(url_origin_for_log("example.com/hook?token=secret"), "(unparsed URL)");
  EXPECT_EQ(url_origin_for_log("://host"), "(unparsed URL)");
  EXPECT_EQ(url_origin_for_log("http://"), "(unparsed URL)");
  EXPECT_EQ(url_origin_for_log("http://host:port/x"), "(unparsed URL)");
  EXPECT_EQ(url_origin_for_log("http://[::1/x"), "(unparsed URL)");
}

}  // namespace
}  // namespace ringside
