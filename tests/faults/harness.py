"""Processes and HTTP for the fault tests: ``appointments serve`` and
``appointments worker`` as real processes on 127.0.0.1, and every request's
headers built in one place (``request_headers``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import create_key

APPOINTMENTS = Path(sys.executable).with_name("appointments")
STARTUP_SECONDS = 60
STOP_SECONDS = 20
HOUR_MS = 3_600_000
START_MS = 1_767_261_600_000  # 2026-01-01T10:00:00Z


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


API_KEY: dict[str, str] = {}
"""The admin key of the test's own store, set by the ``own_postgres`` fixture."""


def create_admin_key(database_url: str) -> None:
    API_KEY["secret"] = create_key(database_url, "faults", "admin")


def request_headers(
    idempotency_key: str | None = None, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """Every request's headers: the store's key, and what the call adds."""
    headers = {"Authorization": f"Bearer {API_KEY['secret']}", **(extra or {})}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return headers


class Service:
    """One ``appointments serve`` or ``appointments worker`` process."""

    def __init__(
        self, command: str, database_url: str, workdir: Path, **settings: str
    ) -> None:
        self.command = command
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.env = {
            **os.environ,
            "APPOINTMENTS_DATABASE_URL": database_url,
            "APPOINTMENTS_PORT": str(self.port),
            **{
                f"APPOINTMENTS_{name.upper()}": value
                for name, value in settings.items()
            },
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> Service:
        self.starts += 1
        log = (self.workdir / f"{self.command}-{self.port}-{self.starts}.log").open(
            "wb"
        )
        self.process = subprocess.Popen(
            [str(APPOINTMENTS), self.command],
            env=self.env,
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        if self.command == "serve":
            self._wait_until_healthy()
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown of any kind."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(STOP_SECONDS)

    def stop(self) -> None:
        if not self.alive():
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(STOP_SECONDS)

    def rss_mib(self) -> float:
        status = Path(f"/proc/{self.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    def client(self, timeout: float = 30.0) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=timeout)

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.command} exited: see {self.workdir}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.command} did not become healthy in time")


def create_body(tag: str | None = None, slot: int = 0) -> dict[str, Any]:
    """A valid create; its host and attendee are its own (no schedule conflict)."""
    tag = tag or uuid.uuid4().hex[:12]
    start = START_MS + slot * HOUR_MS
    return {
        "name": f"Check-in {tag}",
        "description": "",
        "group": False,
        "internal": False,
        "start_time": start,
        "end_time": start + HOUR_MS,
        "host": f"host_{tag}",
        "attendees": [f"patient_{tag}"],
        "created_by": "faults",
    }


@dataclass
class Reply:
    status: int | None
    """None when no response arrived (connection refused or reset, timeout)."""
    seconds: float
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def code(self) -> str | None:
        error = self.body.get("error")
        return error.get("code") if isinstance(error, dict) else None


def send(
    client: httpx.Client,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    idempotency_key: str | None = None,
) -> Reply:
    started = time.monotonic()
    try:
        response = client.request(
            method, path, json=body, headers=request_headers(idempotency_key)
        )
    except httpx.TransportError:
        return Reply(None, time.monotonic() - started)
    elapsed = time.monotonic() - started
    try:
        parsed = response.json()
    except ValueError:
        parsed = {"raw": response.text[:200]}
    return Reply(response.status_code, elapsed, parsed, dict(response.headers))


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
