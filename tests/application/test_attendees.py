"""Attendee changes through the application (CONTRACT sections 4 and 6)."""

from __future__ import annotations

import pytest

from application.service import AppointmentsApplication
from domain.appointment import Appointment
from domain.errors import AppointmentCancelled, AttendeeNotFound
from tests.builders import a_draft


@pytest.fixture
def appointment_id(app: AppointmentsApplication) -> str:
    draft = a_draft(group=True, attendees=["p1", "p2"])
    return str(app.schedule(draft).document["id"])


def test_an_attendee_change_updates_only_that_attendee(
    app: AppointmentsApplication, appointment_id: str
) -> None:
    written = app.change_attendee(
        appointment_id,
        "p1",
        changed_by="user_host",
        changes={"attendance_status": "maybe", "payment_status": "paid"},
    )

    attendees = app.get(appointment_id).document["attendees"]
    assert attendees[0] == {
        "id": "p1",
        "attendance_status": "maybe",
        "no_show": False,
        "payment_status": "paid",
        "last_updated_at": written.document["last_updated_at"],
    }
    assert attendees[1]["attendance_status"] == "going"
    assert written.version == 2


def test_an_attendee_not_on_the_appointment_is_not_found(
    app: AppointmentsApplication, appointment_id: str
) -> None:
    with pytest.raises(AttendeeNotFound) as raised:
        app.change_attendee(
            appointment_id, "p9", changed_by="user_host", changes={"no_show": True}
        )

    assert raised.value.param == "attendee_id"


def test_a_cancelled_appointment_refuses_an_attendee_change(
    app: AppointmentsApplication, appointment_id: str
) -> None:
    app.change_status(appointment_id, status="cancelled", changed_by="user_host")

    with pytest.raises(AppointmentCancelled):
        app.change_attendee(
            appointment_id, "p1", changed_by="user_host", changes={"no_show": True}
        )


def test_an_update_of_the_list_records_each_addition_and_removal(
    app: AppointmentsApplication, appointment_id: str
) -> None:
    app.change_attendee(
        appointment_id, "p2", changed_by="user_host", changes={"no_show": True}
    )
    kept = app.get(appointment_id).document["attendees"][1]

    written = app.update(
        appointment_id, changed_by="user_host", changes={"attendees": ["p2", "p3"]}
    )

    document = app.get(appointment_id).document
    assert [a["id"] for a in document["attendees"]] == ["p2", "p3"]
    assert document["attendees"][0] == kept
    changes = [
        (e.change, e.attendee_id)
        for e in app.events_of(appointment_id)[2:]
        if isinstance(e, Appointment.AttendeeChanged)
    ]
    assert changes == [("removed", "p1"), ("added", "p3")]
    assert written.version == 4
