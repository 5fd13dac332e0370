"""Shared fixtures: a real PostgreSQL for the whole run, a fresh schema per test."""

from __future__ import annotations

import os
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
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """``APPOINTMENTS_TEST_DATABASE_URL``, or a throwaway embedded server."""
    url = os.environ.get(TEST_DATABASE_URL)
    if url:
        return url
    data_dir: Path = tmp_path_factory.mktemp("embedded-postgres")
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
