"""Writes with an expected version (If-Match) fail once the appointment moved on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from application.errors import VersionMismatch
from application.service import AppointmentsApplication
from tests.builders import START, a_draft

Write = Callable[[AppointmentsApplication, str, int], Any]

WRITES: list[Any] = [
    pytest.param(
        lambda app, i, v: app.update(
            i, changed_by="user_a", changes={"name": "x"}, expected_version=v
        ),
        id="update",
    ),
    pytest.param(
        lambda app, i, v: app.reschedule(
            i,
            start_time=START + 5,
            end_time=START + 6,
            changed_by="user_a",
            expected_version=v,
        ),
        id="reschedule",
    ),
    pytest.param(
        lambda app, i, v: app.change_status(
            i, status="cancelled", changed_by="user_a", expected_version=v
        ),
        id="change-status",
    ),
    pytest.param(
        lambda app, i, v: app.change_attendee(
            i,
            "user_patient",
            changed_by="user_a",
            changes={"no_show": True},
            expected_version=v,
        ),
        id="change-attendee",
    ),
]


def an_appointment_at_version_two(app: AppointmentsApplication) -> str:
    appointment_id = str(app.schedule(a_draft()).document["id"])
    app.change_status(appointment_id, status="confirmed", changed_by="user_a")
    return appointment_id


@pytest.mark.parametrize("write", WRITES)
def test_a_write_at_the_current_version_applies(
    app: AppointmentsApplication, write: Write
) -> None:
    appointment_id = an_appointment_at_version_two(app)

    written = write(app, appointment_id, 2)

    assert written.version == app.get(appointment_id).version == 3


@pytest.mark.parametrize("expected", [1, 3])
@pytest.mark.parametrize("write", WRITES)
def test_a_write_at_another_version_is_a_mismatch(
    app: AppointmentsApplication, write: Write, expected: int
) -> None:
    appointment_id = an_appointment_at_version_two(app)

    with pytest.raises(VersionMismatch) as raised:
        write(app, appointment_id, expected)

    assert (raised.value.expected, raised.value.current) == (expected, 2)
    assert app.get(appointment_id).version == 2
