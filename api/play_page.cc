#include "api/play_page.h"

#include "api/play_page_files.h"
#include "http/etag.h"

namespace ringside {
namespace {

// Only the page's own origin for scripts, styles and requests; the game's iframe may be any
// http(s) origin (the game servers'); nothing else is loaded, nothing posted.
constexpr std::string_view kSecurityHeaders =
    "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; img-src 'self' data:; frame-src http: https:; base-uri 'none'; "
    "form-action 'none'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Referrer-Policy: no-referrer\r\n";

void serve(const PageFile& file, std::string_view cache_control, const Request& request,
           Reply& reply) {
  reply.add_rendered_headers(kSecurityHeaders);
  reply.add_header("Cache-Control", cache_control);
  reply.add_header("ETag", file.etag);
  reply.set_content_type(file.content_type);
  if (etag_listed(request.if_none_match, file.etag)) {
    reply.set_status(304);
    return;
  }
  reply.body().append(file.body);
}

}  // namespace

void serve_play_page(const Request& request, Reply& reply) {
  // Revalidated on every load: a new build's page (and so its new asset hash) is seen at once.
  serve(play_page_files().front(), "no-cache", request, reply);
}

void serve_play_asset(std::string_view hash, std::string_view file, const Request& request,
                      Reply& reply) {
  if (hash == play_page_hash() && file != "index.html") {
    for (const PageFile& f : play_page_files()) {
      if (f.name == file) return serve(f, "public, max-age=31536000, immutable", request, reply);
    }
  }
  // Another build's hash too: what is under it is not what this build has.
  reply.add_rendered_headers(kSecurityHeaders);
  reply.error(404, "not_found", "No such file of the play page.");
}

}  // namespace ringside
