"""Updating and rescheduling through the application (CONTRACT section 6)."""

from __future__ import annotations

import pytest

from application.service import AppointmentsApplication
from domain.errors import AppointmentCancelled, InvalidAppointment
from tests.builders import HOUR_MS, START, a_draft


@pytest.fixture
def appointment_id(app: AppointmentsApplication) -> str:
    return str(app.schedule(a_draft()).document["id"])


def test_an_update_changes_the_fields_sent_and_keeps_the_rest(
    app: AppointmentsApplication, appointment_id: str
) -> None:
    before = app.get(appointment_id).document

    written = app.update(
        appointment_id,
        changed_by="user_host",
        changes={"visit_note": "Went well", "actual_start_time": START},
    )

    after = app.get(appointment_id)
    assert after.document == written.document
    assert after.version == written.version == 2
    assert after.document["visit_note"] == "Went well"
    assert after.document["actual_start_time"] == START
    changed = {k for k in after.document if after.document[k] != before[k]}
    assert changed == {"visit_note", "actual_start_time", "last_updated_at"}


def test_an_update_that_changes_nothing_records_no_event(
    app: AppointmentsApplication, appointment_id: str
) -> None:
    name = app.get(appointment_id).document["name"]

    written = app.update(appointment_id, changed_by="user_x", changes={"name": name})

    assert written.position is None
    assert written.version == app.get(appointment_id).version == 1
    assert len(app.events_of(appointment_id)) == 1


def test_a_refused_update_records_nothing(
    app: AppointmentsApplication, appointment_id: str
) -> None:
    with pytest.raises(InvalidAppointment) as raised:
        app.update(appointment_id, changed_by="user_x", changes={"name": ""})

    assert raised.value.param == "name"
    assert app.get(appointment_id).version == 1


def test_a_reschedule_moves_the_appointment_keeping_its_id(
    app: AppointmentsApplication, appointment_id: str
) -> None:
    app.reschedule(
        appointment_id,
        start_time=START + HOUR_MS,
        end_time=START + 2 * HOUR_MS,
        changed_by="user_host",
    )

    document = app.get(appointment_id).document
    assert (document["id"], document["start_time"], document["end_time"]) == (
        appointment_id,
        START + HOUR_MS,
        START + 2 * HOUR_MS,
    )


def test_a_cancelled_appointment_refuses_update_and_reschedule(
    app: AppointmentsApplication, appointment_id: str
) -> None:
    app.change_status(appointment_id, status="cancelled", changed_by="user_host")

    with pytest.raises(AppointmentCancelled):
        app.update(appointment_id, changed_by="user_x", changes={"name": "New"})
    with pytest.raises(AppointmentCancelled):
        app.reschedule(
            appointment_id, start_time=START, end_time=START + 1, changed_by="user_x"
        )
    assert app.get(appointment_id).version == 2
