"""Shared fixtures: a real PostgreSQL for the whole run, a fresh schema per test."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from infrastructure.bootstrap import Container, bootstrap
from infrastructure.database import drop_schema
from infrastructure.embedded import start_embedded
from infrastructure.settings import Settings, load_settings
from tests.fakes import ManualClock, RecordingVideoMeetings

TEST_DATABASE_URL = "APPOINTMENTS_TEST_DATABASE_URL"


@pytest.fixture(scope="session")
def database_url() -> str:
    """``APPOINTMENTS_TEST_DATABASE_URL``, or a throwaway embedded server.

    The server's data lives outside pytest's temporary folders: pytest deletes
    older sessions' folders when a new session starts, and PostgreSQL shuts
    down when its data directory disappears under it.
    """
    url = os.environ.get(TEST_DATABASE_URL)
    if url:
        return url
    data_dir = Path(tempfile.mkdtemp(prefix="appointments-test-postgres-"))
    # Registered first, so it runs last: after pgserver has stopped the server.
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    return start_embedded(data_dir, delete_on_exit=True)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(database_url=database_url)


@pytest.fixture
def schema(database_url: str) -> Iterator[str]:
    name = "test_" + uuid.uuid4().hex[:12]
    yield name
    drop_schema(database_url, name)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def video() -> RecordingVideoMeetings:
    return RecordingVideoMeetings()


@pytest.fixture
def container(
    settings: Settings, schema: str, clock: ManualClock, video: RecordingVideoMeetings
) -> Iterator[Container]:
    built = bootstrap(settings, schema=schema, clock=clock, video=video)
    yield built
    built.close()
