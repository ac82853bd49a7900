#!/usr/bin/env python3
"""A webhook receiver for ringside's tests (tests/integration/webhooks_test.cc, bench/webhooks.sh).

    webhook_receiver.py PORT

Listens on 127.0.0.1:PORT. Every POST to a path outside /_ is recorded, then answered as the
mode says: ok (204), big (200 with a 200 KiB HTML page as its body), fail (500) or hang (no
answer until the mode changes, then the connection is closed without one). Control:
    POST /_mode/ok|big|fail|hang   set the mode
    GET  /_received            every request recorded so far, as a JSON array of
                               {"path","eventId","timestamp","signature","contentType","body",
                                "answer"}  (answer: the status sent, or 0 for none)
    GET  /_count               how many were answered 2xx, as a number
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
changed = threading.Condition(lock)
state = {"mode": "ok", "received": [], "ok": 0}
BIG_PAGE = b"<html><body>" + b"x" * (200 * 1024) + b"</body></html>"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            if self.path == "/_received":
                body = json.dumps(state["received"]).encode()
            elif self.path == "/_count":
                body = str(state["ok"]).encode()
            else:
                body = None
        if body is None:
            self.reply(404)
        else:
            self.reply(200, body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        if self.path.startswith("/_mode/"):
            with changed:
                state["mode"] = self.path[len("/_mode/"):]
                changed.notify_all()
            self.reply(200)
            return
        entry = {
            "path": self.path,
            "eventId": self.headers.get("X-Ringside-Event-Id", ""),
            "timestamp": self.headers.get("X-Ringside-Timestamp", ""),
            "signature": self.headers.get("X-Ringside-Signature", ""),
            "contentType": self.headers.get("Content-Type", ""),
            "body": body,
            "answer": 0,
        }
        with changed:
            mode = state["mode"]
            if mode == "hang":
                state["received"].append(entry)
                changed.wait_for(lambda: state["mode"] != "hang", timeout=60)
                self.close_connection = True
                return
            entry["answer"] = {"ok": 204, "big": 200}.get(mode, 500)
            state["received"].append(entry)
            if mode in ("ok", "big"):
                state["ok"] += 1
        self.reply(entry["answer"], BIG_PAGE if mode == "big" else b"")


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
