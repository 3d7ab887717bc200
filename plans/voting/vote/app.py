"""The voting front end: GET / shows the options, POST /vote counts one, GET /healthz says ok."""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

OPTIONS = ("cats", "dogs")
VOTES = {option: 0 for option in OPTIONS}


class Handler(BaseHTTPRequestHandler):
    def _send(self, status, body, kind="text/plain"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/healthz":
            self._send(200, "ok\n")
        elif self.path == "/":
            self._send(200, json.dumps({"options": OPTIONS, "votes": VOTES}) + "\n", "application/json")
        else:
            self._send(404, "not found\n")

    def do_POST(self):
        if self.path != "/vote":
            self._send(404, "not found\n")
            return
        length = int(self.headers.get("Content-Length", 0))
        choice = parse_qs(self.rfile.read(length).decode()).get("vote", [""])[0]
        if choice not in VOTES:
            self._send(400, "unknown option\n")
            return
        VOTES[choice] += 1
        self._send(200, "thanks\n")

    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    print(f"vote listening on {port}", flush=True)
    ThreadingHTTPServer(("", port), Handler).serve_forever()
