"""Fixtures of the audit tests (the CLI on this test's schema comes from
``tests/integration/conftest.py``)."""

from __future__ import annotations

import pytest

from application.service import AppointmentsApplication
from infrastructure.bootstrap import Container


@pytest.fixture
def app(container: Container) -> AppointmentsApplication:
    return container.app
