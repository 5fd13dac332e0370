"""``appointments reencrypt``: plain to encrypted, one key to another, and
back to plain, with the hash chain relinked; a broken chain is refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result
from psycopg.sql import SQL
from typer.testing import CliRunner

from api import cli_keys
from api.cli import cli
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.encryption import is_plain, new_key
from infrastructure.settings import Settings, SettingsError, load_settings
from tests.integration.audit.helpers import (
    events_table,
    execute,
    project,
    rewrite_state,
    verify,
    write_history,
)

Rotate = Callable[[str | None, str | None], Result]
KEY_A, KEY_B = new_key(), new_key()
NAME = "Name 1"


@pytest.fixture
def rotate(monkeypatch: pytest.MonkeyPatch, database_url: str, schema: str) -> Rotate:
    """Run ``reencrypt`` on this test's schema from ``previous`` to ``key``."""
    monkeypatch.setattr(
        cli_keys, "container_for_rotation", lambda s: bootstrap(s, schema=schema)
    )
    monkeypatch.setenv("APPOINTMENTS_DATABASE_URL", database_url)

    def run(previous: str | None, key: str | None) -> Result:
        for variable, value in (
            ("APPOINTMENTS_PREVIOUS_ENCRYPTION_KEY", previous),
            ("APPOINTMENTS_ENCRYPTION_KEY", key),
        ):
            monkeypatch.setenv(variable, value or "")
        return CliRunner().invoke(cli, ["reencrypt"])

    return run


def open_store(database_url: str, schema: str, key: str | None) -> Container:
    settings: Settings = load_settings(database_url=database_url, encryption_key=key)
    return bootstrap(settings, schema=schema)


def stored_states(container: Container) -> list[bytes]:
    rows = execute(
        container, SQL("SELECT state FROM {}").format(events_table(container))
    )
    return [bytes(row["state"]) for row in rows]


def test_a_plain_store_is_encrypted_then_rotated_then_decrypted(
    rotate: Rotate, container: Container, database_url: str, schema: str
) -> None:
    appointment_id = write_history(container.app)
    project(container)
    container.close()

    steps = [(None, KEY_A), (KEY_A, KEY_B), (KEY_B, None)]
    for previous, key in steps:
        result = rotate(previous, key)
        assert result.exit_code == 0, result.output
        reopened = open_store(database_url, schema, key)
        try:
            states = stored_states(reopened)
            assert len(states) == 3
            assert all(is_plain(state) == (key is None) for state in states)
            assert verify(reopened).findings == []
            document = reopened.app.get_at_version(appointment_id, 3).document
            assert document["name"] == NAME
        finally:
            reopened.close()
        if previous is not None:
            with pytest.raises(SettingsError):
                open_store(database_url, schema, previous)


def test_a_store_whose_chain_is_broken_is_not_rotated(
    rotate: Rotate, container: Container
) -> None:
    appointment_id = write_history(container.app)
    rewrite_state(container, appointment_id, 2, lambda s: s.update(name="Edited"))
    before = stored_states(container)

    result = rotate(None, KEY_A)

    assert result.exit_code == 1
    assert "does not verify" in result.stderr
    assert stored_states(container) == before


def test_a_wrong_previous_key_changes_nothing(
    rotate: Rotate, database_url: str, schema: str
) -> None:
    store = open_store(database_url, schema, KEY_A)
    try:
        write_history(store.app)
        before = stored_states(store)
    finally:
        store.close()

    result = rotate(KEY_B, None)

    assert result.exit_code == 2
    assert "wrong key" in result.stderr
    reopened = open_store(database_url, schema, KEY_A)
    try:
        assert stored_states(reopened) == before
    finally:
        reopened.close()
