"""Fault tests: each starts (and stops) a PostgreSQL server of its own."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.harness import Service, create_admin_key
from tests.faults.postgres import OwnPostgres


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    server = OwnPostgres()
    try:
        server.init()
        create_admin_key(server.url)
        yield server
    finally:
        server.destroy()


@pytest.fixture
def workdir() -> Iterator[Path]:
    """Where the service processes run and log (kept out of pytest's tmp)."""
    path = Path(tempfile.mkdtemp(prefix="appointments-faults-run-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def services() -> Iterator[list[Service]]:
    """Every process a test starts, stopped at its end whatever happened."""
    started: list[Service] = []
    yield started
    for service in started:
        service.stop()
