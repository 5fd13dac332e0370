"""CONTRACT section 6: a cancelled appointment accepts no other change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from domain.appointment import Appointment
from domain.errors import AppointmentCancelled, InvalidStatusTransition
from tests.builders import CREATED_AT, HOUR_MS, START, a_cancelled_appointment

AT = CREATED_AT + 1_000

Command = Callable[[Appointment], None]

REFUSED: list[Any] = [
    pytest.param(
        lambda a: a.update(changed_by="user_x", at=AT, changes={"name": "New"}),
        id="update",
    ),
    pytest.param(
        lambda a: a.update(changed_by="user_x", at=AT, changes={"attendees": []}),
        id="update-attendees",
    ),
    pytest.param(
        lambda a: a.update(changed_by="user_x", at=AT, changes={}),
        id="empty-update",
    ),
    pytest.param(
        lambda a: a.reschedule(
            start_time=START + HOUR_MS,
            end_time=START + 2 * HOUR_MS,
            changed_by="user_x",
            at=AT,
        ),
        id="reschedule",
    ),
    pytest.param(
        lambda a: a.change_attendee(
            attendee_id="user_patient",
            changed_by="user_x",
            at=AT,
            changes={"attendance_status": "maybe"},
        ),
        id="attendee-change",
    ),
]


@pytest.mark.parametrize("command", REFUSED)
def test_a_cancelled_appointment_refuses_every_change(command: Command) -> None:
    appointment = a_cancelled_appointment()
    version = appointment.version

    with pytest.raises(AppointmentCancelled) as raised:
        command(appointment)

    assert raised.value.appointment_id == appointment.id
    assert appointment.version == version


def test_a_cancelled_appointment_refuses_a_status_change_as_a_transition() -> None:
    with pytest.raises(InvalidStatusTransition):
        a_cancelled_appointment().change_status(
            status="scheduled", changed_by="user_x", at=AT
        )
