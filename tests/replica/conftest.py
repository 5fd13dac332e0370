"""Tests with a primary and a streaming replica of their own: the suite's
``database_url`` is the primary here, and settings read from the replica."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infrastructure.bootstrap import Container, bootstrap
from infrastructure.settings import Settings, load_settings
from tests.api.calendar_helpers import CALENDAR_HOST
from tests.api.conftest import client  # noqa: F401  (a fixture)
from tests.fakes import ManualClock, RecordingVideoMeetings
from tests.faults.conftest import services, workdir  # noqa: F401  (fixtures)
from tests.replica.servers import ReplicatedPostgres

APPLY_DELAY_MS = 200
"""The replica applies each commit this late: a read that did not wait for it
would not see the write before it."""


@pytest.fixture(scope="session")
def replicated() -> Iterator[ReplicatedPostgres]:
    servers = ReplicatedPostgres(APPLY_DELAY_MS)
    try:
        servers.start()
        yield servers
    finally:
        servers.destroy()


@pytest.fixture(scope="session")
def database_url(replicated: ReplicatedPostgres) -> str:
    return replicated.primary.url


@pytest.fixture
def settings(replicated: ReplicatedPostgres) -> Settings:
    replicated.ensure_replica_running()
    return load_settings(
        database_url=replicated.primary.url,
        read_database_url=replicated.replica.url,
        calendar_host=CALENDAR_HOST,
    )


@pytest.fixture
def container(
    settings: Settings,
    schema: str,
    clock: ManualClock,
    video: RecordingVideoMeetings,
    replicated: ReplicatedPostgres,
) -> Iterator[Container]:
    """Reading from the replica once it has the schema's tables."""
    built = bootstrap(settings, schema=schema, clock=clock, video=video)
    replicated.replica.wait_until_replayed()
    yield built
    built.close()
