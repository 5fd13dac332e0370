"""Encryption at rest: the events table holds no field value in clear, the
hash chain still verifies, and a wrong key stops start-up with one line."""

from __future__ import annotations

import pytest
from psycopg.sql import SQL
from typer.testing import CliRunner

from api.cli import cli
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.encryption import new_key
from infrastructure.settings import Settings, SettingsError, load_settings
from tests.builders import a_draft
from tests.integration.audit.helpers import events_table, execute, project, verify

SECRETS = {
    "name": "Quokka Consultation",
    "description": "Kumquat allergy follow-up",
    "host": "host_Marmoset",
    "attendee": "att_Narwhal",
    "patient": "pat_Ocelot",
    "created_by": "staff_Axolotl",
    "address": "12 Pangolin Row",
    "visit_note": "Tapir reflex normal",
    "renamed": "Wombat Review",
}


@pytest.fixture
def key() -> str:
    return new_key()


@pytest.fixture
def settings(database_url: str, key: str) -> Settings:
    return load_settings(database_url=database_url, encryption_key=key)


def write_distinctive_history(container: Container) -> str:
    draft = a_draft(
        name=SECRETS["name"],
        description=SECRETS["description"],
        group=True,
        internal=True,
        host=SECRETS["host"],
        attendees=[SECRETS["attendee"]],
        reference_patients=[SECRETS["patient"]],
        created_by=SECRETS["created_by"],
        interaction_type="in_person",
        location={"address": SECRETS["address"]},
    )
    app = container.app
    appointment_id: str = app.schedule(draft).document["id"]
    changes = {"visit_note": SECRETS["visit_note"], "name": SECRETS["renamed"]}
    app.update(appointment_id, changed_by=SECRETS["created_by"], changes=changes)
    project(container)
    return appointment_id


def raw_events(container: Container) -> bytes:
    rows = execute(
        container,
        SQL("SELECT originator_id, topic, state FROM {}").format(
            events_table(container)
        ),
    )
    return b"\n".join(
        row["originator_id"].encode() + row["topic"].encode() + bytes(row["state"])
        for row in rows
    )


def test_the_events_table_holds_no_field_value_in_clear(container: Container) -> None:
    appointment_id = write_distinctive_history(container)

    stored = raw_events(container)

    assert appointment_id.encode() in stored  # the rows are there...
    for value in SECRETS.values():  # ...but not one value in clear
        assert value.encode() not in stored
    assert (
        container.app.get_at_version(appointment_id, 2).document["visit_note"]
        == (SECRETS["visit_note"])
    )


def test_the_hash_chain_verifies_over_the_encrypted_bytes(
    container: Container, cli_on_test_schema: CliRunner
) -> None:
    write_distinctive_history(container)

    report = verify(container)
    result = cli_on_test_schema.invoke(cli, ["audit", "verify"])

    assert report.findings == []
    assert result.exit_code == 0, result.output
    assert "OK: 1 appointment, 2 events" in result.stdout


def test_a_wrong_key_stops_start_up_with_one_line(
    container: Container, database_url: str, schema: str
) -> None:
    write_distinctive_history(container)
    wrong = load_settings(database_url=database_url, encryption_key=new_key())

    with pytest.raises(SettingsError) as raised:
        bootstrap(wrong, schema=schema)

    message = str(raised.value)
    assert message.startswith("APPOINTMENTS_ENCRYPTION_KEY: wrong key")
    assert "\n" not in message


def test_no_key_on_an_encrypted_store_stops_start_up(
    container: Container, database_url: str, schema: str
) -> None:
    write_distinctive_history(container)

    with pytest.raises(SettingsError, match="not set, but the stored events are"):
        bootstrap(load_settings(database_url=database_url), schema=schema)


def test_a_key_on_a_plain_store_stops_start_up(database_url: str, schema: str) -> None:
    plain = bootstrap(load_settings(database_url=database_url), schema=schema)
    try:
        plain.app.schedule(a_draft())
    finally:
        plain.close()
    keyed = load_settings(database_url=database_url, encryption_key=new_key())

    with pytest.raises(SettingsError, match="stored events are not encrypted"):
        bootstrap(keyed, schema=schema)


def test_the_right_key_starts_again(
    container: Container, settings: Settings, schema: str
) -> None:
    appointment_id = write_distinctive_history(container)

    again = bootstrap(settings, schema=schema)
    try:
        document = again.app.get_at_version(appointment_id, 1).document
    finally:
        again.close()

    assert document["name"] == SECRETS["name"]
    assert again.encrypted
