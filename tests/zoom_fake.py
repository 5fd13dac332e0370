"""A local fake of Zoom's API: a real HTTP server on 127.0.0.1, ephemeral port.

It speaks the documented shapes (see docs/video.md): Server-to-Server OAuth at
``/oauth/token`` (Basic ``client_id:client_secret``, ``grant_type`` and
``account_id``), and under ``/v2`` with a Bearer token: ``POST
/users/{user}/meetings`` (201), ``PATCH /meetings/{id}`` (204) and ``DELETE
/meetings/{id}`` (204, or 404 with Zoom's code 3001). Tests control token
lifetimes and inject faults for the next requests, and read what was sent.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from infrastructure.zoom_auth import ZoomCredentials

CREDENTIALS = ZoomCredentials(
    account_id="fake_account", client_id="fake_client", client_secret="fake_secret"
)
ZOOM_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
MEETING_PATH = re.compile(r"^/v2/meetings/(\d+)$")
CREATE_PATH = re.compile(r"^/v2/users/([^/]+)/meetings$")
FIRST_MEETING_ID = 81_000_000_000
SCOPES = "meeting:write:meeting:admin meeting:update:meeting:admin"
RATE_LIMITED = (
    "You have reached the maximum per-second rate limit for this API. Try again later."
)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass(frozen=True)
class Fault:
    status: int
    retry_after: str | None = None
    hang_seconds: float = 0.0
    scope: str = "api"
    """``"api"`` (the meetings endpoints) or ``"oauth"`` (the token endpoint)."""


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeZoom:
    """State and behaviour; ``FakeZoomServer`` puts it on the network."""

    def __init__(self, credentials: ZoomCredentials = CREDENTIALS) -> None:
        self.credentials = credentials
        self.token_ttl = 3600
        self.requests: list[Recorded] = []
        self.meetings: dict[str, dict[str, Any]] = {}
        self.created_ids: list[str] = []
        self._tokens: dict[str, float] = {}
        self._faults: deque[Fault] = deque()
        self._next_id = FIRST_MEETING_ID
        self._lock = threading.Lock()

    # --- knobs for tests -----------------------------------------------------

    def fail_next(
        self, count: int, status: int, *, retry_after: str | None = None
    ) -> None:
        """The next ``count`` meetings requests answer ``status`` with Zoom's
        error body (``Retry-After`` when given) and change nothing."""
        self._add(count, Fault(status, retry_after=retry_after))

    def fail_next_token_requests(self, count: int, status: int) -> None:
        self._add(count, Fault(status, scope="oauth"))

    def hang_next(self, count: int, seconds: float) -> None:
        """The next ``count`` meetings requests are carried out, but their
        answers are held back for ``seconds`` (past the client's timeout)."""
        self._add(count, Fault(0, hang_seconds=seconds))

    def expire_tokens(self) -> None:
        """Every token issued so far is refused from now on (``401``, code 124)."""
        with self._lock:
            self._tokens.clear()

    def requests_to(self, method: str, path_prefix: str) -> list[Recorded]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == method and r.path.startswith(path_prefix)
            ]

    @property
    def token_requests(self) -> list[Recorded]:
        return self.requests_to("POST", "/oauth/token")

    # --- request handling -------------------------------------------------------

    def handle(self, recorded: Recorded) -> tuple[Answer, float]:
        """The answer, and how long to stall before sending it."""
        with self._lock:
            self.requests.append(recorded)
            scope = "oauth" if recorded.path == "/oauth/token" else "api"
            fault = self._take_fault(scope)
            if fault is not None and not fault.hang_seconds:
                return _fault_answer(fault), 0.0
            answer = self._route(recorded)
        return answer, fault.hang_seconds if fault else 0.0

    def _add(self, count: int, fault: Fault) -> None:
        with self._lock:
            self._faults.extend([fault] * count)

    def _take_fault(self, scope: str) -> Fault | None:
        if self._faults and self._faults[0].scope == scope:
            return self._faults.popleft()
        return None

    def _route(self, r: Recorded) -> Answer:
        if r.path == "/oauth/token" and r.method == "POST":
            return self._issue_token(r)
        if not self._authorized(r):
            return Answer(401, {"code": 124, "message": "Invalid access token."})
        created = CREATE_PATH.match(r.path)
        if created and r.method == "POST":
            return self._create(created.group(1), r.body)
        existing = MEETING_PATH.match(r.path)
        if existing and r.method in ("PATCH", "DELETE"):
            return self._change(r.method, existing.group(1), r.body)
        return Answer(404, {"code": 404, "message": "Not found."})

    def _issue_token(self, r: Recorded) -> Answer:
        expected = f"{self.credentials.client_id}:{self.credentials.client_secret}"
        if r.headers.get("authorization") != "Basic " + _b64(expected):
            return Answer(
                401,
                {
                    "reason": "Invalid client_id or client_secret",
                    "error": "invalid_client",
                },
            )
        if r.query.get("grant_type") != "account_credentials":
            return Answer(
                400,
                {"reason": "unsupported grant type", "error": "unsupported_grant_type"},
            )
        if r.query.get("account_id") != self.credentials.account_id:
            return Answer(
                400, {"reason": "Invalid account_id", "error": "invalid_request"}
            )
        token = secrets.token_urlsafe(24)
        self._tokens[token] = time.monotonic() + self.token_ttl
        return Answer(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.token_ttl,
                "scope": SCOPES,
                "api_url": "https://api.zoom.us",
            },
        )

    def _authorized(self, r: Recorded) -> bool:
        header = r.headers.get("authorization", "")
        token = header.removeprefix("Bearer ")
        expires = self._tokens.get(token) if header.startswith("Bearer ") else None
        return expires is not None and time.monotonic() < expires

    def _create(self, user_id: str, body: Any) -> Answer:
        problem = _invalid_meeting(body, creating=True)
        if problem:
            return Answer(400, {"code": 300, "message": problem})
        meeting_id = str(self._next_id)
        self._next_id += 1
        meeting = {
            "uuid": base64.b64encode(secrets.token_bytes(16)).decode(),
            "id": int(meeting_id),
            "host_id": user_id,
            "status": "waiting",
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "start_url": f"https://zoom.us/s/{meeting_id}?zak=fake",
            "join_url": f"https://zoom.us/j/{meeting_id}?pwd={secrets.token_urlsafe(8)}",
            "password": secrets.token_hex(3),
            "settings": {},
            **body,
        }
        self.meetings[meeting_id] = meeting
        self.created_ids.append(meeting_id)
        return Answer(201, meeting)

    def _change(self, method: str, meeting_id: str, body: Any) -> Answer:
        if meeting_id not in self.meetings:
            return Answer(
                404, {"code": 3001, "message": f"Meeting does not exist: {meeting_id}."}
            )
        if method == "DELETE":
            del self.meetings[meeting_id]
            return Answer(204)
        problem = _invalid_meeting(body, creating=False)
        if problem:
            return Answer(400, {"code": 300, "message": problem})
        self.meetings[meeting_id].update(body)
        return Answer(204)


def _invalid_meeting(body: Any, *, creating: bool) -> str | None:
    if not isinstance(body, dict):
        return "Request Body should be a valid JSON object."
    if creating and body.get("type") != 2:
        return "Only scheduled meetings (type 2) are expected here."
    if "start_time" in body and not ZOOM_TIME.match(str(body["start_time"])):
        return "Invalid field: start_time."
    duration = body.get("duration")
    if "duration" in body and not (isinstance(duration, int) and duration > 0):
        return "Invalid field: duration."
    if creating and not isinstance(body.get("topic"), str):
        return "Invalid field: topic."
    return None


def _fault_answer(fault: Fault) -> Answer:
    headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
    if fault.status == 429:
        return Answer(429, {"code": 429, "message": RATE_LIMITED}, headers)
    if fault.status == 401:
        return Answer(401, {"code": 124, "message": "Invalid access token."}, headers)
    return Answer(
        fault.status, {"code": fault.status, "message": "Internal Error."}, headers
    )


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read ``FakeZoom.requests`` instead."""

    def _serve(self) -> None:
        answer, stall = self.server.zoom.handle(self._recorded())
        if stall:
            time.sleep(stall)
        payload = b"" if answer.body is None else json.dumps(answer.body).encode()
        try:
            self._send(answer, payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _send(self, answer: Answer, payload: bytes) -> None:
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if payload:
            self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _recorded(self) -> Recorded:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if self.headers.get("Content-Type", "").startswith("application/x-www-form"):
            query |= {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        return Recorded(
            method=self.command,
            path=url.path,
            query=query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=_json_or_none(raw),
        )


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, zoom: FakeZoom) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.zoom = zoom


@dataclass
class FakeZoomServer:
    zoom: FakeZoom
    base_url: str

    @property
    def api_base_url(self) -> str:
        return self.base_url + "/v2"

    @property
    def oauth_url(self) -> str:
        return self.base_url + "/oauth/token"


@contextmanager
def running_fake_zoom(zoom: FakeZoom | None = None) -> Iterator[FakeZoomServer]:
    """Serve a ``FakeZoom`` on 127.0.0.1 for the duration of the block."""
    zoom = zoom or FakeZoom()
    server = _Server(zoom)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield FakeZoomServer(zoom, f"http://{host!s}:{port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
