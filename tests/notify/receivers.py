"""Real servers on 127.0.0.1 for the channels: a partner's webhook receiver and an SMTP server.
(The SMTP server stands in for the email provider, the one true external boundary.)"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookReceiver:
    """Records every request; answers `fail_with` for the first `failures` calls, sleeps `delay`."""

    def __init__(self, failures: int = 0, fail_with: int = 500, delay: float = 0.0):
        self.calls: list[dict] = []
        self.failures, self.fail_with, self.delay = failures, fail_with, delay
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.calls.append({"headers": dict(self.headers), "body": body})
                if receiver.delay:
                    time.sleep(receiver.delay)
                failing = len(receiver.calls) <= receiver.failures
                self.send_response(receiver.fail_with if failing else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/caseflow-hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def payloads(self) -> list[dict]:
        return [json.loads(c["body"]) for c in self.calls]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                sink.messages.append(envelope)
                return "250 OK"

        import socket

        with socket.socket() as probe:  # a free port (the controller checks its own port on start)
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        self.controller.start()
        self.url = f"smtp://127.0.0.1:{port}"

    def close(self):
        self.controller.stop()
