"""The change log, read from the event store (CONTRACT section 6)."""

from __future__ import annotations

from application.service import AppointmentsApplication
from domain.ids import change_log_id
from tests.builders import a_draft


def test_the_change_log_has_one_entry_per_stored_event(
    app: AppointmentsApplication,
) -> None:
    written = app.schedule(a_draft(group=True))
    appointment_id = written.document["id"]
    app.update(appointment_id, changed_by="user_a", changes={"description": "New"})
    app.change_status(appointment_id, status="confirmed", changed_by="user_b")
    app.change_attendee(
        appointment_id, "user_patient", changed_by="user_c", changes={"no_show": True}
    )
    app.update(appointment_id, changed_by="user_d", changes={"attendees": ["p2"]})

    log = app.change_log(appointment_id)

    assert log["id"] == change_log_id(appointment_id)
    assert log["object"] == "change_log"
    assert log["appointment"] == appointment_id
    entries = log["entries"]
    assert [(e["version"], e["event"], e["changed_by"]) for e in entries] == [
        (1, "created", "user_creator"),
        (2, "updated", "user_a"),
        (3, "status_changed", "user_b"),
        (4, "attendee_changed", "user_c"),
        (5, "attendee_changed", "user_d"),
        (6, "attendee_changed", "user_d"),
    ]
    assert entries[0]["changes"]["name"] == {"from": None, "to": "Annual Check-in"}
    assert entries[1]["changes"] == {
        "description": {"from": written.document["description"], "to": "New"}
    }
    assert entries[2]["changes"] == {"status": {"from": "scheduled", "to": "confirmed"}}
    assert entries[3]["changes"] == {
        "attendees.user_patient.no_show": {"from": False, "to": True}
    }
    assert set(entries[4]["changes"]) == {"attendees.user_patient"}
    assert entries[4]["changes"]["attendees.user_patient"]["to"] is None
    assert set(entries[5]["changes"]) == {"attendees.p2"}
    assert entries[5]["changes"]["attendees.p2"]["from"] is None


def test_each_entry_is_stamped_with_its_event_time(
    app: AppointmentsApplication,
) -> None:
    appointment_id = app.schedule(a_draft()).document["id"]
    confirmed = app.change_status(
        appointment_id, status="confirmed", changed_by="user_b"
    )

    entries = app.change_log(appointment_id)["entries"]

    assert entries[1]["changed_at"] == confirmed.document["last_updated_at"]
    assert entries[0]["changed_at"] < entries[1]["changed_at"]
