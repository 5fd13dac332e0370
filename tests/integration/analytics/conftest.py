"""The analytics tests: a clock that moves only when told, so every duration
in the seeded store is exactly the advances the seed makes."""

from __future__ import annotations

import pytest

from infrastructure.bootstrap import Container
from tests.fakes import ManualClock
from tests.integration.analytics.seeded import Seeded, seed
from tests.integration.read_model.helpers import project_all
from tests.integration.read_model.test_read_model_cli import (  # noqa: F401 (fixture)
    fresh_database,
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(step_ms=0)


@pytest.fixture
def seeded(container: Container, clock: ManualClock) -> Seeded:
    result = seed(container.app, clock)
    project_all(container)
    return result
