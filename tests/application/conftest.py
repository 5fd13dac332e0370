"""Application tests run the real service against a fresh PostgreSQL schema."""

from __future__ import annotations

import pytest

from application.service import AppointmentsApplication
from infrastructure.bootstrap import Container


@pytest.fixture
def app(container: Container) -> AppointmentsApplication:
    return container.app
