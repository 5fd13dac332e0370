"""Fixtures of the read-model tests: a container whose events are written
by the application and projected on demand, or by a running worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infrastructure.bootstrap import Container, bootstrap
from infrastructure.settings import Settings
from tests.fakes import ManualClock, RecordingVideoMeetings


@pytest.fixture
def second_container(
    settings: Settings, schema: str, clock: ManualClock
) -> Iterator[Container]:
    """Another process's view of the same store: its own pools and read model."""
    built = bootstrap(
        settings, schema=schema, clock=clock, video=RecordingVideoMeetings()
    )
    yield built
    built.close()
