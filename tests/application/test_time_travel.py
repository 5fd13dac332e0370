"""Reading an appointment as it was at a moment (CONTRACT section 6, as_of)."""

from __future__ import annotations

import pytest

from application.errors import AppointmentNotFound
from application.service import AppointmentsApplication
from tests.builders import a_draft
from tests.fakes import ManualClock


def test_as_of_includes_events_at_exactly_that_millisecond(
    app: AppointmentsApplication, clock: ManualClock
) -> None:
    created = app.schedule(a_draft()).document
    clock.advance(1_000)
    renamed = app.update(created["id"], changed_by="user_a", changes={"name": "New"})
    renamed_at = renamed.document["last_updated_at"]

    just_before = app.get_as_of(created["id"], renamed_at - 1)
    exactly = app.get_as_of(created["id"], renamed_at)

    assert just_before.version == 1
    assert just_before.document == created
    assert exactly.version == 2
    assert exactly.document == renamed.document


def test_as_of_the_creation_millisecond_is_the_new_appointment(
    app: AppointmentsApplication, clock: ManualClock
) -> None:
    created = app.schedule(a_draft()).document
    clock.advance(1_000)
    app.change_status(created["id"], status="confirmed", changed_by="user_a")

    state = app.get_as_of(created["id"], created["created_at"])

    assert state.version == 1
    assert state.document["status"] == "scheduled"


def test_as_of_a_later_time_is_the_current_appointment(
    app: AppointmentsApplication, clock: ManualClock
) -> None:
    appointment_id = app.schedule(a_draft()).document["id"]
    app.change_status(appointment_id, status="confirmed", changed_by="user_a")

    assert app.get_as_of(appointment_id, clock.now_ms() + 10**6) == app.get(
        appointment_id
    )


def test_as_of_before_creation_is_not_found(app: AppointmentsApplication) -> None:
    created = app.schedule(a_draft()).document

    with pytest.raises(AppointmentNotFound) as raised:
        app.get_as_of(created["id"], created["created_at"] - 1)

    assert raised.value.param == "as_of"
