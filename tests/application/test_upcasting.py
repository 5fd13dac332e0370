"""A stored version-1 StatusChanged (no ``reason``, no ``api_key``) still loads."""

from __future__ import annotations

import json

from eventsourcing.persistence import StoredEvent

from application.service import AppointmentsApplication
from domain.appointment import Appointment
from tests.builders import a_draft


def store_a_version_1_status_change(
    app: AppointmentsApplication, appointment_id: str, status: str
) -> None:
    """Map a real event as the application would, then strip it back to v1."""
    appointment: Appointment = app.repository.get(appointment_id)
    appointment.change_status(
        status=status, changed_by="user_old", at=1_767_300_000_000
    )
    (event,) = appointment.collect_events()
    current = app.mapper.to_stored_event(event)
    state = json.loads(current.state)
    assert state.pop("class_version") == 3
    del state["reason"], state["api_key"]  # version 1 had neither
    version_1 = StoredEvent(
        originator_id=current.originator_id,
        originator_version=current.originator_version,
        topic=current.topic,
        state=json.dumps(state).encode(),
    )
    app.recorder.insert_events([version_1])


def test_status_changed_is_at_class_version_three() -> None:
    assert Appointment.StatusChanged.class_version == 3


def test_a_version_1_status_change_loads_with_no_reason(
    app: AppointmentsApplication,
) -> None:
    appointment_id = app.schedule(a_draft()).document["id"]

    store_a_version_1_status_change(app, appointment_id, "confirmed")

    state = app.get(appointment_id)
    assert state.version == 2
    assert state.document["status"] == "confirmed"
    assert state.document["status_history"][-1]["changed_by"] == "user_old"
    event = app.events_of(appointment_id)[-1]
    assert isinstance(event, Appointment.StatusChanged)
    assert event.reason is None


def test_a_version_1_status_change_shows_in_the_change_log(
    app: AppointmentsApplication,
) -> None:
    appointment_id = app.schedule(a_draft()).document["id"]
    store_a_version_1_status_change(app, appointment_id, "cancelled")

    entry = app.change_log(appointment_id)["entries"][-1]

    assert entry["event"] == "status_changed"
    assert entry["changes"] == {"status": {"from": "scheduled", "to": "cancelled"}}


def test_an_appointment_with_a_version_1_event_accepts_new_changes(
    app: AppointmentsApplication,
) -> None:
    appointment_id = app.schedule(a_draft()).document["id"]
    store_a_version_1_status_change(app, appointment_id, "confirmed")

    written = app.change_status(appointment_id, status="checked_in", changed_by="u")

    assert written.version == 3
    assert app.get_at_version(appointment_id, 2).document["status"] == "confirmed"


def test_a_version_1_status_change_has_a_null_reason_everywhere(
    app: AppointmentsApplication,
) -> None:
    appointment_id = app.schedule(a_draft()).document["id"]
    store_a_version_1_status_change(app, appointment_id, "cancelled")

    history = app.get(appointment_id).document["status_history"]
    entry = app.change_log(appointment_id)["entries"][-1]
    item = app.feed(after=0, limit=10).items[-1]

    assert [h["reason"] for h in history] == [None, None]
    assert entry["reason"] is None
    assert (item["changed_by"], item["reason"]) == ("user_old", None)
