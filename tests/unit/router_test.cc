#include "http/router.h"

#include <gtest/gtest.h>
#include <llhttp.h>

#include <stdexcept>
#include <string>

namespace ringside {
namespace {

using Kind = RouteMatch::Kind;

enum Route : uint16_t {
  kGames = 1,
  kGame,
  kFeaturedGames,
  kGameSlot,
  kLaunch,
  kSessionStatus,
  kSession,
  kStopSession,
  kHealthz,
  kRoot,
};

Router api_router() {
  Router r;
  r.add(Method::kGet, "/api/games", kGames);
  r.add(Method::kGet, "/api/games/{slug}", kGame);
  r.add(Method::kGet, "/api/games/{slug}/slots/{slotId}", kGameSlot);
  r.add(Method::kPost, "/api/game/launch", kLaunch);
  r.add(Method::kGet, "/api/game/session-status", kSessionStatus);
  r.add(Method::kGet, "/api/game/session/{sessionId}", kSession);
  r.add(Method::kDelete, "/api/game/session/{id}", kStopSession);
  r.add(Method::kGet, "/healthz", kHealthz);
  return r;
}

TEST(Router, ExactRoute) {
  const Router r = api_router();
  const RouteMatch m = r.match(Method::kGet, "/api/game/session-status");
  EXPECT_EQ(m.kind, Kind::kFound);
  EXPECT_EQ(m.route_id, kSessionStatus);
  EXPECT_EQ(m.param_count, 0);
  EXPECT_EQ(r.match(Method::kPost, "/api/game/launch").route_id, kLaunch);
}

TEST(Router, ParamRouteCapturesSegment) {
  const Router r = api_router();
  const std::string path = "/api/game/session/s01abc";
  const RouteMatch m = r.match(Method::kGet, path);
  ASSERT_EQ(m.kind, Kind::kFound);
  EXPECT_EQ(m.route_id, kSession);
  ASSERT_EQ(m.param_count, 1);
  EXPECT_EQ(m.params[0], "s01abc");
  // A view into the path, not a copy.
  EXPECT_EQ(m.params[0].data(), path.data() + path.size() - 6);
}

TEST(Router, TwoParams) {
  const Router r = api_router();
  const RouteMatch m = r.match(Method::kGet, "/api/games/chess/slots/7");
  ASSERT_EQ(m.kind, Kind::kFound);
  EXPECT_EQ(m.route_id, kGameSlot);
  ASSERT_EQ(m.param_count, 2);
  EXPECT_EQ(m.params[0], "chess");
  EXPECT_EQ(m.params[1], "7");
}

TEST(Router, ParamsAreNotDecoded) {
  const Router r = api_router();
  const RouteMatch m = r.match(Method::kGet, "/api/games/a%2Fb");
  ASSERT_EQ(m.kind, Kind::kFound);
  EXPECT_EQ(m.params[0], "a%2Fb");
}

TEST(Router, UnknownPathsAreNotFound) {
  const Router r = api_router();
  for (const char* path : {"/api/game", "/api/game/nope", "/api/games/chess/slots", "/", "", "*",
                           "api/games", "/API/games", "/api/Games/chess", "/healthzz",
                           "/api/game/session/s1/extra", "http://host/api/games"}) {
    EXPECT_EQ(r.match(Method::kGet, path).kind, Kind::kNotFound) << path;
  }
}

TEST(Router, TrailingSlashIsADifferentPath) {
  const Router r = api_router();
  EXPECT_EQ(r.match(Method::kGet, "/api/games/").kind, Kind::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/healthz/").kind, Kind::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/api/game/session/s1/").kind, Kind::kNotFound);
}

TEST(Router, EmptySegmentsMatchNothing) {
  const Router r = api_router();
  EXPECT_EQ(r.match(Method::kGet, "/api//games").kind, Kind::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "//api/games").kind, Kind::kNotFound);
  // A parameter needs a non-empty segment.
  EXPECT_EQ(r.match(Method::kGet, "/api/game/session/").kind, Kind::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/api/games//slots/7").kind, Kind::kNotFound);
}

TEST(Router, WrongMethodIsMethodNotAllowedWithAllow) {
  const Router r = api_router();
  const RouteMatch m = r.match(Method::kPost, "/api/game/session-status");
  EXPECT_EQ(m.kind, Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET");
  // HEAD is not implied by GET: the HTTP layer decides what to do with it.
  EXPECT_EQ(r.match(Method::kHead, "/healthz").kind, Kind::kMethodNotAllowed);
  EXPECT_EQ(r.match(Method::kOther, "/healthz").allow, "GET");
}

TEST(Router, MethodsOfOnePatternShareAllowInRegistrationOrder) {
  Router r;
  r.add(Method::kPost, "/api/things", 1);
  r.add(Method::kGet, "/api/things", 2);
  r.add(Method::kDelete, "/api/things", 3);
  EXPECT_EQ(r.match(Method::kPost, "/api/things").route_id, 1);
  EXPECT_EQ(r.match(Method::kGet, "/api/things").route_id, 2);
  EXPECT_EQ(r.match(Method::kDelete, "/api/things").route_id, 3);
  const RouteMatch m = r.match(Method::kPut, "/api/things");
  EXPECT_EQ(m.kind, Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "POST, GET, DELETE");
}

TEST(Router, ParamNamesDoNotMakeADifferentPattern) {
  const Router r = api_router();  // GET .../{sessionId} and DELETE .../{id}
  EXPECT_EQ(r.match(Method::kDelete, "/api/game/session/s1").route_id, kStopSession);
  const RouteMatch m = r.match(Method::kPatch, "/api/game/session/s1");
  EXPECT_EQ(m.kind, Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, DELETE");
}

TEST(Router, ExactRouteWinsOverParamRouteInEitherRegistrationOrder) {
  Router param_first;
  param_first.add(Method::kGet, "/api/games/{slug}", kGame);
  param_first.add(Method::kGet, "/api/games/featured", kFeaturedGames);
  Router exact_first;
  exact_first.add(Method::kGet, "/api/games/featured", kFeaturedGames);
  exact_first.add(Method::kGet, "/api/games/{slug}", kGame);
  for (const Router* r : {&param_first, &exact_first}) {
    EXPECT_EQ(r->match(Method::kGet, "/api/games/featured").route_id, kFeaturedGames);
    EXPECT_EQ(r->match(Method::kGet, "/api/games/featured").param_count, 0);
    EXPECT_EQ(r->match(Method::kGet, "/api/games/chess").route_id, kGame);
  }
}

TEST(Router, MostSpecificPatternOwnsThePathForEveryMethod) {
  Router r;
  r.add(Method::kGet, "/api/games/featured", kFeaturedGames);
  r.add(Method::kDelete, "/api/games/{slug}", kGame);
  // DELETE of "featured" must not fall through to the parameter route.
  const RouteMatch m = r.match(Method::kDelete, "/api/games/featured");
  EXPECT_EQ(m.kind, Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET");
  EXPECT_EQ(r.match(Method::kDelete, "/api/games/chess").route_id, kGame);
}

TEST(Router, LeftmostLiteralWinsBetweenParamPatterns) {
  for (const bool literal_first : {false, true}) {
    Router r;
    if (literal_first) r.add(Method::kGet, "/a/b/{y}", 2);
    r.add(Method::kGet, "/a/{x}/c", 1);
    if (!literal_first) r.add(Method::kGet, "/a/b/{y}", 2);
    r.add(Method::kGet, "/a/{x}/{y}", 3);

    RouteMatch m = r.match(Method::kGet, "/a/b/c");
    EXPECT_EQ(m.route_id, 2);
    ASSERT_EQ(m.param_count, 1);
    EXPECT_EQ(m.params[0], "c");
    EXPECT_EQ(r.match(Method::kGet, "/a/z/c").route_id, 1);
    m = r.match(Method::kGet, "/a/z/q");
    EXPECT_EQ(m.route_id, 3);
    EXPECT_EQ(m.param_count, 2);
  }
}

TEST(Router, RootPattern) {
  Router r;
  r.add(Method::kGet, "/", kRoot);
  r.add(Method::kGet, "/{page}", kGame);
  EXPECT_EQ(r.match(Method::kGet, "/").route_id, kRoot);
  EXPECT_EQ(r.match(Method::kGet, "/x").route_id, kGame);
  EXPECT_EQ(r.match(Method::kGet, "").kind, Kind::kNotFound);
}

// A folder's own page ("/play/" beside "/play/{slug}"): that path only, not the folder's name
// without the slash, and not taken by the parameter pattern.
TEST(Router, ExactPatternWithATrailingSlash) {
  Router r;
  r.add(Method::kGet, "/play/{slug}", kGame);
  r.add(Method::kGet, "/play/", kRoot);
  EXPECT_EQ(r.match(Method::kGet, "/play/").route_id, kRoot);
  EXPECT_EQ(r.match(Method::kGet, "/play/x").route_id, kGame);
  EXPECT_EQ(r.match(Method::kGet, "/play").kind, Kind::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/play//").kind, Kind::kNotFound);
  EXPECT_EQ(r.match(Method::kPost, "/play/").allow, "GET");
}

TEST(Router, RejectsBadPatterns) {
  Router r;
  r.add(Method::kGet, "/ok/{id}", 1);
  for (const char* pattern : {"", "api", "/a//b", "/a//", "/{a}/", "/a/{b}/", "//", "/{}", "/{a",
                              "/a}", "/a{b}", "/{a}b", "/{{a}}", "/{a}/{b}/{c}"}) {
    EXPECT_THROW(r.add(Method::kGet, pattern, 2), std::invalid_argument) << pattern;
  }
  EXPECT_THROW(r.add(Method::kOther, "/other", 3), std::invalid_argument);
  EXPECT_THROW(r.add(Method::kGet, "/ok/{other}", 4), std::invalid_argument);
  // The failed registrations left nothing behind.
  EXPECT_EQ(r.match(Method::kGet, "/ok/x").route_id, 1);
  EXPECT_EQ(r.match(Method::kPost, "/ok/x").allow, "GET");
  EXPECT_EQ(r.match(Method::kGet, "/other").kind, Kind::kNotFound);
}

TEST(Router, MethodFromLlhttp) {
  EXPECT_EQ(method_from_llhttp(HTTP_GET), Method::kGet);
  EXPECT_EQ(method_from_llhttp(HTTP_HEAD), Method::kHead);
  EXPECT_EQ(method_from_llhttp(HTTP_POST), Method::kPost);
  EXPECT_EQ(method_from_llhttp(HTTP_PUT), Method::kPut);
  EXPECT_EQ(method_from_llhttp(HTTP_DELETE), Method::kDelete);
  EXPECT_EQ(method_from_llhttp(HTTP_PATCH), Method::kPatch);
  EXPECT_EQ(method_from_llhttp(HTTP_OPTIONS), Method::kOptions);
  EXPECT_EQ(method_from_llhttp(HTTP_PROPFIND), Method::kOther);
  EXPECT_EQ(method_from_llhttp(HTTP_CONNECT), Method::kOther);
  EXPECT_EQ(method_from_llhttp(-1), Method::kOther);
}

TEST(Router, MethodNames) {
  EXPECT_EQ(method_name(Method::kGet), "GET");
  EXPECT_EQ(method_name(Method::kHead), "HEAD");
  EXPECT_EQ(method_name(Method::kPost), "POST");
  EXPECT_EQ(method_name(Method::kPut), "PUT");
  EXPECT_EQ(method_name(Method::kDelete), "DELETE");
  EXPECT_EQ(method_name(Method::kPatch), "PATCH");
  EXPECT_EQ(method_name(Method::kOptions), "OPTIONS");
  EXPECT_EQ(method_name(Method::kOther), "OTHER");
}

}  // namespace
}  // namespace ringside
