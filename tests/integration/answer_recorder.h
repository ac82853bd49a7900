#pragma once
// Opt-in recording of ringside's JSON answers for tests/openapi/validate_answers.py: with
// RINGSIDE_RECORD_ANSWERS=<dir> set, every JSON answer HttpClient::request() reads is appended
// to <dir>/answers-<pid>.jsonl as one line {"method","path","status","body"} (the body as the
// text it came as). Without the variable nothing is written.
#include <string_view>

#include "integration/http_client.h"

namespace ringside::itest {

void record_answer(std::string_view method, std::string_view target, const HttpResponse& response);

}  // namespace ringside::itest
