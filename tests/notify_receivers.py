"""Real receivers on loopback for notification tests: an HTTP server (json://, form://) and an
SMTP server (aiosmtpd, for mailto://), each recording what arrived."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

HOLD_S = 60  # a held request longer than this means the test hung: let it go

__all__ = ["HttpReceiver", "Mailbox", "free_port", "http_receiver", "smtp_receiver"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class HttpReceiver:
    port: int
    requests: list[dict[str, Any]] = field(default_factory=list)
    down: set[str] = field(default_factory=set)  # paths answering 503: dead endpoints
    # The first POST to `hold` is recorded, then waits until `release` is set (or HOLD_S), so its
    # sender is provably inside that send; `answer_held` False drops it unanswered instead.
    hold: str | None = None
    answer_held: bool = True
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self, path: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [r["body"] for r in self.requests if path is None or r["path"] == path]


@contextmanager
def http_receiver(hold: str | None = None, *, answer_held: bool = True) -> Iterator[HttpReceiver]:
    receiver = HttpReceiver(0, hold=hold, answer_held=answer_held)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path in receiver.down:
                self.send_response(503)
                self.end_headers()
                return
            kind = self.headers.get("Content-Type", "")
            if kind.startswith("application/json"):
                body: Any = json.loads(raw)
            else:
                body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            with receiver.lock:
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                holding = self.path == receiver.hold and not receiver.held.is_set()
                if holding:
                    receiver.held.set()
            if holding:
                receiver.release.wait(HOLD_S)
                if not receiver.answer_held:  # the message arrived; its sender never learns so
                    self.close_connection = True
                    return
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    port: int
    user: str
    password: str
    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)


@contextmanager
def smtp_receiver(user: str = "trinn", password: str = "smtp-Secret-42") -> Iterator[Mailbox]:
    # aiosmtpd (1.4) imports imghdr and sets its own deprecated Session.login_data: its
    # warnings, not ours; pytest restores the filters after the test
    warnings.filterwarnings("ignore", message=".*imghdr.*", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message="Session.login_data", category=DeprecationWarning)
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    box = Mailbox(free_port(), user, password)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            box.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
            return "250 OK"

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok)

    controller = Controller(
        Handler(), hostname="127.0.0.1", port=box.port, authenticator=authenticate, auth_require_tls=False
    )
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
