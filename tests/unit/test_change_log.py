"""CONTRACT section 6: the change log, one entry per event with field diffs."""

from __future__ import annotations

from typing import Any

from domain.appointment import Appointment
from domain.history import change_log
from tests.builders import CREATED_AT, an_appointment

AT = CREATED_AT + 1_000


def entries_of(appointment: Appointment) -> list[dict[str, Any]]:
    events = [
        e for e in appointment.collect_events() if isinstance(e, Appointment.Event)
    ]
    return change_log(events)


def test_created_shows_every_non_null_field_but_the_ids() -> None:
    appointment = an_appointment(internal=True)
    document = dict(appointment.document)

    (entry,) = entries_of(appointment)

    expected = {
        field: {"from": None, "to": value}
        for field, value in document.items()
        if value is not None and field not in {"id", "object", "change_log"}
    }
    assert entry == {
        "version": 1,
        "event": "created",
        "changed_by": "user_creator",
        "changed_at": CREATED_AT,
        "api_key": None,
        "reason": None,
        "changes": expected,
    }
    assert {"name", "host", "attendees", "status", "reference_patients"} <= set(
        entry["changes"]
    )
    assert "visit_note" not in entry["changes"]
    assert "appointment_type" not in entry["changes"]


def test_created_omits_the_video_call_of_an_in_person_appointment() -> None:
    location = {"address": "1 Main Street"}
    appointment = an_appointment(interaction_type="in_person", location=location)

    (entry,) = entries_of(appointment)

    assert "video_call" not in entry["changes"]
    assert entry["changes"]["location"] == {"from": None, "to": location}


def test_updated_shows_each_changed_field() -> None:
    appointment = an_appointment()
    appointment.update(
        changed_by="user_x",
        at=AT,
        changes={"name": "Renamed", "visit_note": "Went well"},
    )

    entry = entries_of(appointment)[-1]

    assert entry == {
        "version": 2,
        "event": "updated",
        "changed_by": "user_x",
        "changed_at": AT,
        "api_key": None,
        "reason": None,
        "changes": {
            "name": {"from": "Annual Check-in", "to": "Renamed"},
            "visit_note": {"from": None, "to": "Went well"},
        },
    }


def test_a_reschedule_shows_the_moved_times() -> None:
    appointment = an_appointment()
    start, end = appointment.document["start_time"], appointment.document["end_time"]
    appointment.reschedule(
        start_time=start + 1, end_time=end + 1, changed_by="user_x", at=AT
    )

    entry = entries_of(appointment)[-1]

    assert entry["event"] == "updated"
    assert entry["changes"] == {
        "start_time": {"from": start, "to": start + 1},
        "end_time": {"from": end, "to": end + 1},
    }


def test_a_status_change_shows_only_the_status() -> None:
    appointment = an_appointment()
    appointment.change_status(status="confirmed", changed_by="user_x", at=AT)

    entry = entries_of(appointment)[-1]

    assert entry == {
        "version": 2,
        "event": "status_changed",
        "changed_by": "user_x",
        "changed_at": AT,
        "api_key": None,
        "reason": None,
        "changes": {"status": {"from": "scheduled", "to": "confirmed"}},
    }


def test_an_added_attendee_shows_the_whole_attendee() -> None:
    appointment = an_appointment(group=True)
    appointment.update(
        changed_by="user_x", at=AT, changes={"attendees": ["user_patient", "p2"]}
    )

    entry = entries_of(appointment)[-1]

    assert entry["event"] == "attendee_changed"
    assert entry["changes"] == {
        "attendees.p2": {
            "from": None,
            "to": {
                "id": "p2",
                "attendance_status": "going",
                "no_show": False,
                "payment_status": "not_applicable",
                "last_updated_at": AT,
            },
        }
    }


def test_a_removed_attendee_shows_the_whole_attendee_going_away() -> None:
    appointment = an_appointment()
    removed = appointment.document["attendees"][0]
    appointment.update(changed_by="user_x", at=AT, changes={"attendees": []})

    entry = entries_of(appointment)[-1]

    assert entry["event"] == "attendee_changed"
    assert entry["changes"] == {"attendees.user_patient": {"from": removed, "to": None}}


def test_an_attendee_change_shows_each_changed_attendee_field() -> None:
    appointment = an_appointment()
    appointment.change_attendee(
        attendee_id="user_patient",
        changed_by="user_x",
        at=AT,
        changes={"no_show": True, "payment_status": "paid"},
    )

    entry = entries_of(appointment)[-1]

    assert entry["event"] == "attendee_changed"
    assert entry["changes"] == {
        "attendees.user_patient.no_show": {"from": False, "to": True},
        "attendees.user_patient.payment_status": {
            "from": "not_applicable",
            "to": "paid",
        },
    }


def test_has_one_entry_per_event_numbered_from_one() -> None:
    appointment = an_appointment()
    appointment.update(changed_by="user_x", at=AT, changes={"name": "Renamed"})
    appointment.change_status(status="confirmed", changed_by="user_x", at=AT + 1)
    appointment.update(changed_by="user_x", at=AT + 2, changes={"attendees": []})

    entries = entries_of(appointment)

    assert [e["version"] for e in entries] == [1, 2, 3, 4]
    assert [e["event"] for e in entries] == [
        "created",
        "updated",
        "status_changed",
        "attendee_changed",
    ]
