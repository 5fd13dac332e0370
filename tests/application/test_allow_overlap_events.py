"""``allow_overlap`` is recorded in the events that book time, and events
stored before it existed load as not opted out."""

from __future__ import annotations

import json

import pytest
from eventsourcing.persistence import StoredEvent

from application.service import AppointmentsApplication
from domain.appointment import Appointment
from domain.errors import ScheduleConflict
from tests.builders import HOUR_MS, START, a_draft


def strip_back(app: AppointmentsApplication, event: Appointment.Event) -> StoredEvent:
    """The event as a store made before ``allow_overlap`` would hold it."""
    current = app.mapper.to_stored_event(event)
    state = json.loads(current.state)
    if isinstance(event, Appointment.Created):  # also before metadata (v4)
        assert state["class_version"] == 5
        state["class_version"] = 2
        del state["metadata"]
    else:
        state["class_version"] -= 2
    del state["allow_overlap"], state["api_key"]  # and before keys (v5, v3)
    return StoredEvent(
        originator_id=current.originator_id,
        originator_version=current.originator_version,
        topic=current.topic,
        state=json.dumps(state).encode(),
    )


def test_each_booking_event_records_whether_it_opted_out(
    app: AppointmentsApplication,
) -> None:
    first = app.schedule(a_draft(allow_overlap=False)).document["id"]
    second = app.schedule(a_draft(allow_overlap=True)).document["id"]
    app.reschedule(
        first,
        start_time=START + HOUR_MS // 2,
        end_time=START + HOUR_MS,
        changed_by="u",
        allow_overlap=True,
    )

    created_first, moved = app.events_of(first)
    (created_second,) = app.events_of(second)
    assert isinstance(created_first, Appointment.Created)
    assert isinstance(moved, Appointment.Updated)
    assert isinstance(created_second, Appointment.Created)
    assert (created_first.allow_overlap, moved.allow_overlap) == (False, True)
    assert created_second.allow_overlap is True
    assert "allow_overlap" not in app.get(second).document


def test_events_from_before_allow_overlap_load_as_not_opted_out(
    app: AppointmentsApplication,
) -> None:
    appointment = Appointment.schedule(
        appointment_id="appt_" + "A" * 20,
        draft=a_draft(group=True),
        video_call=None,
        at=START,
    )
    appointment.update(changed_by="u", at=START + 1, changes={"name": "Renamed"})
    appointment.update(
        changed_by="u", at=START + 2, changes={"attendees": ["user_patient", "p2"]}
    )
    events = appointment.collect_events()
    app.recorder.insert_events([strip_back(app, e) for e in events])

    loaded = app.events_of(appointment.id)

    assert [type(e).__name__ for e in loaded] == [
        "Created",
        "Updated",
        "AttendeeChanged",
    ]
    assert all(getattr(e, "allow_overlap") is False for e in loaded)  # noqa: B009
    assert app.get(appointment.id).document["name"] == "Renamed"


def test_a_refused_booking_records_nothing(app: AppointmentsApplication) -> None:
    app.schedule(a_draft(allow_overlap=False))
    head = app.head_position()

    with pytest.raises(ScheduleConflict) as refused:
        app.schedule(a_draft(host="other_host", allow_overlap=False))

    assert [c.user for c in refused.value.conflicts] == ["user_patient"]
    assert app.head_position() == head
