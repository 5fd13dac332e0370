"""``appointments audit APPOINTMENT_ID``: the change log as a table or as the
API's JSON, and the state at a version or a moment."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api import cli_support
from api.app import create_app
from api.cli import cli
from application.access import Scope
from application.service import AppointmentsApplication
from domain.ids import new_appointment_id
from infrastructure.bootstrap import Container
from infrastructure.settings import SettingsError
from tests.api.conftest import bearer, new_key
from tests.builders import HOUR_MS, START, a_draft
from tests.fakes import ManualClock

WIDE = {"COLUMNS": "200"}


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(
        create_app(lambda: container),
        raise_server_exceptions=False,
        headers=bearer(new_key(container, "test-admin", Scope.ADMIN)),
    ) as c:
        yield c


def every_kind_of_change(app: AppointmentsApplication, clock: ManualClock) -> str:
    """Created, updated, attendee added, removed and changed, status, moved."""
    draft = a_draft(group=True, attendees=["p1"])
    appointment_id: str = app.schedule(draft).document["id"]
    steps = [
        lambda: app.update(appointment_id, changed_by="u", changes={"name": "Renamed"}),
        lambda: app.update(
            appointment_id, changed_by="u", changes={"attendees": ["p1", "p2"]}
        ),
        lambda: app.update(
            appointment_id, changed_by="u", changes={"attendees": ["p2"]}
        ),
        lambda: app.change_attendee(
            appointment_id, "p2", changed_by="p2", changes={"payment_status": "paid"}
        ),
        lambda: app.change_status(appointment_id, status="confirmed", changed_by="h"),
        lambda: app.reschedule(
            appointment_id,
            start_time=START + HOUR_MS,
            end_time=START + 2 * HOUR_MS,
            changed_by="h",
        ),
    ]
    for step in steps:
        clock.advance(60_000)
        step()
    return appointment_id


def test_json_is_exactly_the_api_change_log(
    cli_on_test_schema: CliRunner,
    container: Container,
    client: TestClient,
    clock: ManualClock,
) -> None:
    appointment_id = every_kind_of_change(container.app, clock)

    result = cli_on_test_schema.invoke(
        cli, ["audit", appointment_id, "--format", "json"]
    )

    assert result.exit_code == 0, result.output
    from_api = client.get(f"/v1/appointments/{appointment_id}/change_log").json()
    assert json.loads(result.stdout) == from_api
    changes = [entry["changes"] for entry in from_api["entries"]]
    assert changes[2] == {
        "attendees.p2": {"from": None, "to": changes[2]["attendees.p2"]["to"]}
    }
    assert set(changes[3]) == {"attendees.p1"}
    assert changes[4] == {
        "attendees.p2.payment_status": {"from": "not_applicable", "to": "paid"}
    }
    assert changes[5] == {"status": {"from": "scheduled", "to": "confirmed"}}


def test_the_table_shows_version_event_who_when_and_each_change(
    cli_on_test_schema: CliRunner, container: Container, clock: ManualClock
) -> None:
    appointment_id = every_kind_of_change(container.app, clock)

    result = cli_on_test_schema.invoke(cli, ["audit", appointment_id], env=WIDE)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any("created" in line and "user_creator" in line for line in lines)
    assert "2026-01-01T00:00:00.001Z" in result.stdout
    assert 'name: "Annual Check-in" → "Renamed"' in result.stdout
    assert 'attendees.p2.payment_status: "not_applicable" → "paid"' in result.stdout
    assert 'status: "scheduled" → "confirmed"' in result.stdout


def test_show_is_the_long_form(
    cli_on_test_schema: CliRunner, container: Container
) -> None:
    appointment_id = container.app.schedule(a_draft()).document["id"]

    short = cli_on_test_schema.invoke(
        cli, ["audit", appointment_id, "--format", "json"]
    )
    long = cli_on_test_schema.invoke(
        cli, ["audit", "show", appointment_id, "--format", "json"]
    )

    assert short.exit_code == long.exit_code == 0
    assert short.stdout == long.stdout


def test_version_prints_the_state_the_api_returns(
    cli_on_test_schema: CliRunner,
    container: Container,
    client: TestClient,
    clock: ManualClock,
) -> None:
    appointment_id = every_kind_of_change(container.app, clock)

    for version in (1, 4, 7):
        result = cli_on_test_schema.invoke(
            cli, ["audit", appointment_id, "--version", str(version)]
        )

        assert result.exit_code == 0, result.output
        response = client.get(f"/v1/appointments/{appointment_id}?version={version}")
        assert json.loads(result.stdout) == response.json()


def test_as_of_prints_the_state_the_api_returns(
    cli_on_test_schema: CliRunner,
    container: Container,
    client: TestClient,
    clock: ManualClock,
) -> None:
    appointment_id = every_kind_of_change(container.app, clock)
    moment = container.app.change_log(appointment_id)["entries"][3]["changed_at"]

    result = cli_on_test_schema.invoke(
        cli, ["audit", appointment_id, "--as-of", str(moment + 1)]
    )

    assert result.exit_code == 0, result.output
    response = client.get(f"/v1/appointments/{appointment_id}?as_of={moment + 1}")
    assert response.headers["ETag"] == '"4"'
    assert json.loads(result.stdout) == response.json()


@pytest.mark.parametrize(
    "options",
    [[], ["--format", "json"], ["--version", "1"], ["--as-of", "0"]],
)
def test_an_unknown_appointment_is_one_line_and_exit_one(
    cli_on_test_schema: CliRunner, options: list[str]
) -> None:
    unknown = new_appointment_id()

    result = cli_on_test_schema.invoke(cli, ["audit", unknown, *options])

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"appointments: No such appointment: {unknown}\n"


def test_a_version_it_never_had_is_one_line_and_exit_one(
    cli_on_test_schema: CliRunner, container: Container
) -> None:
    appointment_id = container.app.schedule(a_draft()).document["id"]

    result = cli_on_test_schema.invoke(cli, ["audit", appointment_id, "--version", "9"])

    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "versions 1 to 1, not 9" in result.stderr


def test_as_of_and_version_together_are_a_usage_error(
    cli_on_test_schema: CliRunner,
) -> None:
    result = cli_on_test_schema.invoke(
        cli, ["audit", new_appointment_id(), "--version", "1", "--as-of", "1"]
    )

    assert result.exit_code == 2
    assert "not both" in result.stderr


def test_an_invalid_setting_is_one_line_and_exit_two(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken() -> Container:
        raise SettingsError("APPOINTMENTS_DATABASE_URL: cannot connect")

    monkeypatch.setattr(cli_support, "make_container", broken)

    for command in (["audit", "verify"], ["audit", new_appointment_id()]):
        result = CliRunner().invoke(cli, command)

        assert result.exit_code == 2
        assert result.stderr == (
            "appointments: APPOINTMENTS_DATABASE_URL: cannot connect\n"
        )
