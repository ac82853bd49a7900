#pragma once
// The play page (docs/play-page.md), answered from the binary on any shard:
// GET /play/{slug} is index.html for every slug (the page itself asks the API about the game),
// revalidated on each load (no-cache and an ETag); GET /play/_/{hash}/{file} are its css and
// js, cached for good under the build's hash. Every answer carries the page's content
// security policy, nosniff and no-referrer: the page's URL holds the player's token.
#include <string_view>

#include "http/reply.h"
#include "http/request.h"

namespace ringside {

void serve_play_page(const Request& request, Reply& reply);
void serve_play_asset(std::string_view hash, std::string_view file, const Request& request,
                      Reply& reply);

}  // namespace ringside
