#pragma once
// Gameye's error body (ErrorResponse in its OpenAPI description): statusCode, code, message,
// details, path, identifier (a trace id), timestamp, and violations for refused bodies.
#include <cstdint>
#include <span>
#include <string_view>

#include "http/reply.h"
#include "tools/gameye-standin/session_request.h"

namespace ringside::gameye_standin {

struct GameyeError {
  uint16_t status;
  std::string_view code;
  std::string_view message;
  std::string_view details;
};

// The answers the stand-in gives. Messages follow the wording of Gameye's documentation.
inline constexpr GameyeError kUnauthorized{
    401, "UNAUTHORIZED",
    "You are not authorized to use this endpoint. Please make sure that the included bearer "
    "token is correct.",
    "Send 'Authorization: Bearer <token>'."};
inline constexpr GameyeError kUnknownImageOrLocation{
    404, "NOT_FOUND", "The request contains a location, image or organization that does not exist.",
    "Check the image and the location."};
inline constexpr GameyeError kUnknownSession{
    404, "RESOURCE_NOT_FOUND",
    "The specified session does not exist. Please provide a correct session id.",
    "Double-check the ID."};
inline constexpr GameyeError kUnknownPath{404, "RESOURCE_NOT_FOUND", "There is no such endpoint.",
                                          "Check the path."};
inline constexpr GameyeError kMethodNotAllowed{
    405, "METHOD_NOT_ALLOWED", "This endpoint does not take that method.", "See the Allow header."};
inline constexpr GameyeError kIdTaken{
    409, "CONFLICT",
    "Cannot start a session with the provided id. Please use a unique identifier for your "
    "session. It is recommended to use a UUID.",
    "The id has been used before."};
inline constexpr GameyeError kAlreadyTerminated{
    409, "CONFLICT", "This session has already been terminated.", "The session is not running."};
inline constexpr GameyeError kStartFailed{
    420, "CAPACITY_UNAVAILABLE",
    "This session can not be started in the provided location currently. Please try again "
    "later!",
    "The session failed to start."};
inline constexpr GameyeError kStoppedWhileStarting{
    420, "CAPACITY_UNAVAILABLE", "This session was stopped before it started.",
    "DELETE /session/{id} arrived while it was starting."};
inline constexpr GameyeError kUnavailable{
    503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable. Please try again later.",
    "Injected by --unavailable-first."};
inline constexpr GameyeError kDeleteUnavailable{
    503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable. Please try again later.",
    "Injected by --delete-unavailable-first."};
inline constexpr GameyeError kListUnavailable{
    503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable. Please try again later.",
    "Injected by --list-unavailable-first."};
inline constexpr GameyeError kInvalidRequest{
    422, "INVALID_REQUEST",
    "Bad request. This may imply that the given request has invalid syntax.", "See violations."};

// Renders `error` into reply (status, JSON body). `trace` numbers the error for `identifier`.
void render_error(Reply& reply, const GameyeError& error, std::string_view path,
                  int64_t unix_seconds, uint64_t trace, std::span<const Violation> violations = {});

}  // namespace ringside::gameye_standin
