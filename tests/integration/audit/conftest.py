"""Fixtures of the audit tests: the CLI on this test's schema, and direct
access to the tables, as an attacker with database rights would have."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from api import cli_support
from application.service import AppointmentsApplication
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.settings import Settings


@pytest.fixture
def cli_on_test_schema(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, schema: str
) -> CliRunner:
    """The CLI, building its containers on this test's schema."""
    monkeypatch.setattr(
        cli_support, "make_container", lambda: bootstrap(settings, schema=schema)
    )
    return CliRunner()


@pytest.fixture
def app(container: Container) -> AppointmentsApplication:
    return container.app
