"""The analytics tests: a clock that moves only when told, so every duration
in the seeded store is exactly the advances the seed makes."""

from __future__ import annotations

import pytest

from tests.fakes import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(step_ms=0)
