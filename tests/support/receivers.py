"""Real servers for the notification tests: an HTTP receiver that verifies every Standard
Webhooks signature, and an SMTP server (aiosmtpd) that keeps every message."""

import email
import email.policy
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from standardwebhooks import Webhook


class Receiver:
    """POSTs to ``url`` are verified with ``secret`` and kept in ``received``.

    ``status`` is what it answers (500 to play a broken receiver); ``delay`` makes it slow;
    ``stop()`` and ``start()`` take it down and bring it back on the same port.
    """

    def __init__(self, secret: str | None = None, port: int = 0):
        self.secret = secret
        self.received: list[dict] = []
        self.rejected: list[str] = []
        self.status = 200
        self.delay = 0.0
        self.in_flight = 0
        self.in_flight_ids: set = set()
        #: webhook-ids that arrived while the same id was still being answered.
        self.overlaps: list[str] = []
        self.most_in_flight = 0
        self.lock = threading.Lock()
        self.port = port
        self.server = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                message_id = self.headers.get("webhook-id")
                with receiver.lock:
                    if message_id in receiver.in_flight_ids:
                        receiver.overlaps.append(message_id)
                    receiver.in_flight_ids.add(message_id)
                    receiver.in_flight += 1
                    receiver.most_in_flight = max(receiver.most_in_flight, receiver.in_flight)
                try:
                    if receiver.delay:
                        time.sleep(receiver.delay)
                    status = receiver.handle(body, dict(self.headers))
                finally:
                    with receiver.lock:
                        receiver.in_flight -= 1
                        receiver.in_flight_ids.discard(message_id)
                self.send_response(status)
                self.send_header("content-type", "text/plain")
                self.end_headers()
                self.wfile.write(b"thanks" if status < 300 else b"nope")

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def handle(self, body: bytes, headers: dict) -> int:
        if self.status >= 300:
            return self.status
        try:
            payload = Webhook(self.secret).verify(body, headers)
        except Exception as error:  # any failure to verify is a rejected delivery
            self.rejected.append(repr(error))
            return 400
        with self.lock:
            self.received.append(
                {"id": {k.lower(): v for k, v in headers.items()}["webhook-id"], "payload": payload}
            )
        return 200

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def types(self) -> list[str]:
        return [item["payload"]["type"] for item in self.received]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Keep:
    def __init__(self, messages: list):
        self.messages = messages

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append({"to": list(envelope.rcpt_tos), "message": message})
        return "250 OK"


class Mailbox:
    """A real SMTP server on a free port; ``messages`` are parsed e-mails with recipients."""

    def __init__(self):
        self.messages: list[dict] = []
        self.port = free_port()
        self.controller = Controller(_Keep(self.messages), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def to(self, address: str) -> list:
        return [item["message"] for item in self.messages if address in item["to"]]

    @staticmethod
    def text(message) -> str:
        return message.get_body(("plain",)).get_content()

    @staticmethod
    def html(message) -> str:
        return message.get_body(("html",)).get_content()
