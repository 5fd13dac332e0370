"""Fixtures of the integration tests: the CLI on this test's schema."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from api import cli_support
from infrastructure.bootstrap import bootstrap
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
