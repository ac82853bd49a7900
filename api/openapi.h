#pragma once
// The OpenAPI 3.1 document of every route (api/openapi.json, embedded at build time by
// api/embed_openapi.cmake), served at GET /openapi.json.
#include <string_view>

namespace ringside {

std::string_view openapi_document();

}  // namespace ringside
