#!/usr/bin/env python3
"""A custom-runtime function in Python, standard library only.

asyncfn starts this server in the code directory and tells it the port in FC_SERVER_PORT.
Invocations arrive as POST /invoke (body = the event); lifecycle hooks as POST /initialize,
/pre-freeze and /pre-stop. Whatever it prints is the task's log.
"""
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Function(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/invoke":
            task = self.headers.get("x-fc-async-task-id", "-")
            print(f"python got {len(body)} bytes for task {task}", flush=True)
            answer = b"hello from python: " + body
        else:
            print(f"hook {self.path}", flush=True)
            answer = b""
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


ThreadingHTTPServer(("127.0.0.1", int(os.environ["FC_SERVER_PORT"])), Function).serve_forever()
