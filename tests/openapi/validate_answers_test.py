#!/usr/bin/env python3
"""validate_answers.py refuses answers that do not match api/openapi.json, naming the route and
the field, and passes the ones that do.  Usage: validate_answers_test.py api/openapi.json"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import validate_answers  # noqa: E402

DOCUMENT = None
STATUS = {"sessionId": "s1", "status": "running", "serverUrl": "http://gs-1:8080",
          "containerUrl": "http://gs-1:8080/session/s1/", "gameTitle": "Tlön",
          "startedAt": "2025-03-09T10:15:00Z"}
HISTORY = [{"sessionId": "s1", "gameSlug": "tlon-uqbar", "startedAt": "2025-03-09T10:15:00Z",
            "endedAt": "2025-03-09T10:20:00Z", "duration": 300, "cpuSeconds": 1.5,
            "peakMemoryMb": 20, "endReason": "max_duration"}]


def answer(method, path, status, body):
    return {"method": method, "path": path, "status": status, "body": json.dumps(body)}


class ValidateAnswersTest(unittest.TestCase):
    def check(self, *answers):
        failures, _, _, _ = validate_answers.validate(DOCUMENT, answers)
        return failures

    def test_documented_answers_pass(self):
        queued = dict(STATUS, status="starting", serverUrl=None, containerUrl=None,
                      phase="queued", queuePosition=3, estimatedStartSeconds=40)
        self.assertEqual(self.check(
            answer("GET", "/api/game/session-status?sessionId=s1", 200, STATUS),
            answer("GET", "/api/game/session-status?sessionId=s1", 200, queued),
            answer("GET", "/api/game/history?limit=5", 200, HISTORY),
            answer("POST", "/api/game/launch", 409,
                   {"error": "session_active", "message": "m", "sessionId": "s1"}),
            answer("POST", "/api/games", 405, {"error": "method_not_allowed", "message": "m"}),
        ), [])

    def test_a_missing_field_names_route_and_field(self):
        body = dict(STATUS)
        del body["gameTitle"]
        failures = self.check(answer("GET", "/api/game/session-status?sessionId=s1", 200, body))
        self.assertTrue(failures)
        self.assertTrue(all("GET /api/game/session-status -> 200" in f for f in failures))
        self.assertTrue(any("'gameTitle' is a required property" in f for f in failures), failures)

    def test_a_wrong_value_names_its_path(self):
        body = [dict(HISTORY[0], endReason="bogus")]
        failures = self.check(answer("GET", "/api/game/history", 200, body))
        self.assertTrue(failures)
        self.assertIn("field body[0].endReason", failures[0])

    def test_an_undocumented_field_is_refused(self):
        failures = self.check(answer("GET", "/api/game/session-status?sessionId=s1", 200,
                                     dict(STATUS, surprise=1)))
        self.assertTrue(any("surprise" in f for f in failures), failures)

    def test_a_running_session_needs_its_urls(self):
        failures = self.check(answer("GET", "/api/game/session-status?sessionId=s1", 200,
                                     dict(STATUS, serverUrl=None)))
        self.assertTrue(any("body.serverUrl" in f for f in failures), failures)

    def test_an_error_with_an_unknown_code_is_refused(self):
        failures = self.check(answer("GET", "/api/games/x", 404,
                                     {"error": "gone", "message": "m"}))
        self.assertTrue(any("field body.error" in f for f in failures), failures)

    def test_operator_details_start_kind_is_one_of_its_words_or_null(self):
        details = dict(STATUS, gameSlug="tlon-uqbar", saveSlotId="v1", lastKeepaliveAt="2025-03-09T10:15:00Z",
                       endedAt=None, duration=0, cpuSeconds=None, peakMemoryMb=None,
                       endReason=None, playerId="alice", server="gs01", image="r/g:1",
                       backendId=None, timeline=[])
        path = "/operator/sessions/s1"
        for kind in ("warm", "cached", "pulled", None):
            self.assertEqual(self.check(answer("GET", path, 200, dict(details, startKind=kind))),
                             [], kind)
        failures = self.check(answer("GET", path, 200, dict(details, startKind="hot")))
        self.assertTrue(any("body.startKind" in f for f in failures), failures)
        without = dict(details)
        failures = self.check(answer("GET", path, 200, without))
        self.assertTrue(any("'startKind' is a required property" in f for f in failures), failures)

    def test_paths_the_document_does_not_name_are_skipped(self):
        _, checked, skipped, _ = validate_answers.validate(
            DOCUMENT, [answer("GET", "/session?filter=x", 200, {"sessions": []})])
        self.assertEqual((checked, skipped), (0, 1))


if __name__ == "__main__":
    with open(sys.argv.pop(1), encoding="utf-8") as f:
        DOCUMENT = validate_answers.Document(json.load(f))
    unittest.main()
