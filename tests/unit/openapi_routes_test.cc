// The OpenAPI document served at /openapi.json (api/openapi.json) and the router's table
// (api/routes.h) name the same routes: every route with its method is documented, and every
// documented operation is a route.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <utility>

#include "api/openapi.h"
#include "api/routes.h"

namespace ringside {
namespace {

using Operation = std::pair<std::string, std::string>;  // {path, lower-case method}

std::string lower(std::string_view method) {
  std::string out(method);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::set<Operation> routed() {
  std::set<Operation> out;
  for (const RouteSpec& r : kRoutes) out.emplace(r.pattern, lower(method_name(r.method)));
  return out;
}

std::set<Operation> documented() {
  simdjson::dom::parser parser;
  const simdjson::padded_string text(openapi_document());
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << "api/openapi.json is not JSON";
  std::set<Operation> out;
  simdjson::dom::object paths;
  if (doc["paths"].get(paths) != simdjson::SUCCESS) return out;
  for (auto [path, item] : paths) {
    simdjson::dom::object methods;
    if (item.get(methods) != simdjson::SUCCESS) continue;
    for (auto [method, operation] : methods) {
      if (method == "parameters" || method == "summary" || method == "description") continue;
      out.emplace(std::string(path), std::string(method));
    }
  }
  return out;
}

TEST(OpenApiRoutes, EveryRouteIsDocumentedWithItsMethod) {
  const std::set<Operation> docs = documented();
  for (const Operation& r : routed()) {
    EXPECT_TRUE(docs.contains(r)) << r.second << " " << r.first
                                  << " is a route but not in api/openapi.json";
  }
}

TEST(OpenApiRoutes, EveryDocumentedOperationIsARoute) {
  const std::set<Operation> routes = routed();
  for (const Operation& d : documented()) {
    EXPECT_TRUE(routes.contains(d))
        << d.second << " " << d.first << " is in api/openapi.json but the router does not know it";
  }
}

TEST(OpenApiRoutes, IsOpenApi31) {
  simdjson::dom::parser parser;
  const simdjson::padded_string text(openapi_document());
  std::string_view version;
  ASSERT_EQ(parser.parse(text)["openapi"].get(version), simdjson::SUCCESS);
  EXPECT_EQ(version.substr(0, 4), "3.1.");
}

}  // namespace
}  // namespace ringside
