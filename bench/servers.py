"""Starting the measured HTTP servers as a user would, and stopping them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 90.0
STOP_SECONDS = 20.0
APPOINTMENTS = Path(sys.executable).with_name("appointments")


BENCH_RATE_LIMIT_PER_MINUTE = 1_000_000_000
"""Checked on every request (so its cost is measured), never reached."""


@dataclass(frozen=True)
class Server:
    base_url: str
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_environment(**variables: str) -> dict[str, str]:
    """This process's environment without any ``APPOINTMENTS_*`` setting,
    plus ``variables``: the servers see only the settings the bench chose."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith("APPOINTMENTS_")}
    return {**kept, "PYTHONPATH": str(REPO), **variables}


def create_bench_key(env: dict[str, str]) -> str:
    """An admin key for the load generators (``appointments keys create``);
    the baselines ignore the header."""
    name = f"bench-{uuid.uuid4().hex[:8]}"
    created = subprocess.run(
        [str(APPOINTMENTS), "keys", "create", f"--name={name}", "--scopes=admin"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=STARTUP_SECONDS,
    )
    return created.stdout.strip()


def service_command(port: int, workers: int) -> list[str]:
    return [
        str(APPOINTMENTS),
        "serve",
        "--host=127.0.0.1",
        f"--port={port}",
        f"--workers={workers}",
    ]


def baseline_command(port: int, workers: int) -> list[str]:
    """The baselines, served like ``appointments serve`` serves the service."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.baseline.app:create_app",
        "--factory",
        "--host=127.0.0.1",
        f"--port={port}",
        f"--workers={workers}",
        "--log-level=info",
    ]


@contextmanager
def running(
    command: list[str],
    port: int,
    env: dict[str, str],
    log: Path,
    *,
    ready_path: str = "/healthz",
) -> Iterator[Server]:
    """Start ``command`` (serving on ``port``), wait until ``ready_path``
    answers 200, and stop it with Ctrl-C (SIGINT) at the end."""
    with log.open("ab") as log_file:
        process = subprocess.Popen(
            command, env=env, stdout=log_file, stderr=log_file, cwd=log.parent
        )
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        wait_until_ready(server, ready_path, log)
        yield server
    finally:
        stop(process)


def wait_until_ready(server: Server, path: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}: {log}")
        try:
            if httpx.get(server.base_url + path, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server not ready on {path} in {STARTUP_SECONDS}s: {log}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_SECONDS)
