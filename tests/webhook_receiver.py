"""A webhook receiver on 127.0.0.1 that records what it is sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from time import monotonic, time
from typing import Any

from application.webhook_delivery import SIGNATURE_HEADER, signature

HOLD_LIMIT_SECONDS = 30.0


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    received_at: float
    """``time.time()`` at receipt (seconds)."""

    @property
    def item(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    def signed_with(self, secret: str) -> bool:
        """Whether the signature header is the one ``secret`` makes."""
        header = self.headers[SIGNATURE_HEADER]
        timestamp = int(header.split(",")[0].removeprefix("t="))
        return header == signature(secret, timestamp, self.body.decode())


class Receiver:
    """Answers ``status(received)`` (200 by default); while ``hold`` is
    clear, each request waits (at most 30 s) before it is answered."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.arrived = 0
        """Requests read, answered or not (``received`` holds the answered)."""
        self.status: Callable[[Received], int] = lambda _: 200
        self.hold = threading.Event()
        self.hold.set()
        self.port = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                got = Received(dict(self.headers), self.rfile.read(length), time())
                with receiver._lock:
                    receiver.arrived += 1
                receiver.hold.wait(HOLD_LIMIT_SECONDS)
                with receiver._lock:
                    receiver.received.append(got)
                self.send_response(receiver.status(got))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until ``start`` again."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def items(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.item for r in self.received]

    def ids(self) -> set[int]:
        return {item["id"] for item in self.items()}


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = monotonic() + timeout
    while monotonic() < deadline:
        if condition():
            return True
        threading.Event().wait(0.05)
    return condition()
