"""Real ``appointments serve`` processes on 127.0.0.1 against a fresh database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest
from psycopg import sql

STARTUP_SECONDS = 60
APPOINTMENTS = Path(sys.executable).with_name("appointments")


def with_database(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + dbname))


@pytest.fixture
def e2e_database_url(database_url: str) -> Iterator[str]:
    name = "e2e_" + uuid.uuid4().hex[:12]
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield with_database(database_url, name)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_healthy(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(base_url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("server did not become healthy in time")


def create_key(database_url: str, name: str, scopes: str) -> str:
    """A key made with ``appointments keys create``, as an operator would."""
    result = subprocess.run(
        [str(APPOINTMENTS), "keys", "create", "--name", name, "--scopes", scopes],
        env={**os.environ, "APPOINTMENTS_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=True,
        timeout=STARTUP_SECONDS,
    )
    return result.stdout.strip()


@pytest.fixture
def api_key(e2e_database_url: str) -> str:
    """An admin key in the e2e database, made before any server starts."""
    return create_key(e2e_database_url, "e2e-admin", "admin")


@pytest.fixture
def auth(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


def server_log(tmp_path: Path, base_url: str) -> str:
    """Everything a server started by ``start_server`` has printed so far."""
    port = urlsplit(base_url).port
    return (tmp_path / f"server-{port}.log").read_text(errors="replace")


@pytest.fixture
def start_server(e2e_database_url: str, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Start ``appointments serve`` as ``make run`` does, with extra settings
    if given; returns its base URL (its output: ``server_log``)."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(**settings: str) -> str:
        port = free_port()
        env = {
            **os.environ,
            "APPOINTMENTS_DATABASE_URL": e2e_database_url,
            "APPOINTMENTS_PORT": str(port),
            **settings,
        }
        log = (tmp_path / f"server-{port}.log").open("wb")
        process = subprocess.Popen(
            [str(APPOINTMENTS), "serve"], env=env, stdout=log, stderr=log
        )
        processes.append(process)
        base_url = f"http://127.0.0.1:{port}"
        wait_until_healthy(base_url, process)
        return base_url

    yield start
    for process in processes:
        process.send_signal(signal.SIGINT)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
