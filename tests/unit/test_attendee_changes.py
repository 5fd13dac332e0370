"""CONTRACT sections 4 and 6: attendees, their state, and how it changes."""

from __future__ import annotations

from typing import Any

import pytest

from domain.appointment import Appointment
from domain.errors import AttendeeNotFound, InvalidAppointment
from tests.builders import CREATED_AT, an_appointment

AT = CREATED_AT + 1_000


def a_group_of(*attendees: str) -> Appointment:
    return an_appointment(group=True, attendees=list(attendees))


def attendee(appointment: Appointment, attendee_id: str) -> dict[str, Any]:
    return next(a for a in appointment.document["attendees"] if a["id"] == attendee_id)


def test_a_new_attendee_starts_going_with_nothing_to_pay() -> None:
    assert an_appointment().document["attendees"] == [
        {
            "id": "user_patient",
            "attendance_status": "going",
            "no_show": False,
            "payment_status": "not_applicable",
            "last_updated_at": CREATED_AT,
        }
    ]


REFUSED: list[Any] = [
    pytest.param({"attendance_status": "late"}, "attendance_status", id="attendance"),
    pytest.param({"payment_status": "free"}, "payment_status", id="payment"),
    pytest.param({"no_show": "yes"}, "no_show", id="no-show-not-bool"),
    pytest.param({"no_show": 1}, "no_show", id="no-show-int"),
    pytest.param({"id": "other"}, "id", id="id-not-changeable"),
    pytest.param({"last_updated_at": 1}, "last_updated_at", id="timestamp"),
]


@pytest.mark.parametrize(("changes", "param"), REFUSED)
def test_refuses_an_attendee_change_that_breaks_a_rule(
    changes: dict[str, Any], param: str
) -> None:
    appointment = an_appointment()

    with pytest.raises(InvalidAppointment) as raised:
        appointment.change_attendee(
            attendee_id="user_patient", changed_by="user_x", at=AT, changes=changes
        )

    assert raised.value.param == param


def test_refuses_an_attendee_change_by_a_malformed_caller_id() -> None:
    with pytest.raises(InvalidAppointment) as raised:
        an_appointment().change_attendee(
            attendee_id="user_patient",
            changed_by="",
            at=AT,
            changes={"no_show": True},
        )

    assert raised.value.param == "changed_by"


@pytest.mark.parametrize("attendee_id", ["someone_else", "user_host", ""])
def test_refuses_a_change_to_someone_not_attending(attendee_id: str) -> None:
    appointment = an_appointment()

    with pytest.raises(AttendeeNotFound) as raised:
        appointment.change_attendee(
            attendee_id=attendee_id,
            changed_by="user_x",
            at=AT,
            changes={"no_show": True},
        )

    assert raised.value.param == "attendee_id"
    assert raised.value.attendee_id == attendee_id


CHANGES: list[Any] = [
    pytest.param({"attendance_status": "not_going"}, id="attendance"),
    pytest.param({"attendance_status": "maybe"}, id="maybe"),
    pytest.param({"attendance_status": "pending"}, id="pending"),
    pytest.param({"no_show": True}, id="no-show"),
    pytest.param({"payment_status": "paid"}, id="paid"),
    pytest.param({"payment_status": "refunded"}, id="refunded"),
    pytest.param({"no_show": True, "payment_status": "pending"}, id="two-fields"),
]


@pytest.mark.parametrize("changes", CHANGES)
def test_changes_only_the_named_attendee(changes: dict[str, Any]) -> None:
    appointment = a_group_of("p1", "p2")
    untouched = attendee(appointment, "p2")

    appointment.change_attendee(
        attendee_id="p1", changed_by="user_x", at=AT, changes=changes
    )

    assert attendee(appointment, "p1") == {
        "id": "p1",
        "attendance_status": "going",
        "no_show": False,
        "payment_status": "not_applicable",
        **changes,
        "last_updated_at": AT,
    }
    assert attendee(appointment, "p2") == untouched
    assert appointment.attendee_ids() == ["p1", "p2"]
    event = appointment.pending_events[-1]
    assert isinstance(event, Appointment.AttendeeChanged)
    assert (event.attendee_id, event.change, event.fields) == ("p1", "updated", changes)


def test_an_attendee_change_that_changes_nothing_records_no_event() -> None:
    appointment = an_appointment()

    appointment.change_attendee(
        attendee_id="user_patient",
        changed_by="user_x",
        at=AT,
        changes={"attendance_status": "going", "no_show": False},
    )

    assert appointment.version == 1
    assert len(appointment.pending_events) == 1


def test_an_update_keeps_the_state_of_kept_attendees() -> None:
    appointment = a_group_of("p1", "p2")
    appointment.change_attendee(
        attendee_id="p2", changed_by="user_x", at=AT, changes={"no_show": True}
    )
    kept = attendee(appointment, "p2")

    appointment.update(
        changed_by="user_x", at=AT + 1, changes={"attendees": ["p2", "p3"]}
    )

    assert attendee(appointment, "p2") == kept
    assert appointment.attendee_ids() == ["p2", "p3"]
    assert attendee(appointment, "p3")["attendance_status"] == "going"


def test_an_update_records_one_attendee_change_per_attendee_added_or_removed() -> None:
    appointment = a_group_of("p1", "p2", "p3")
    appointment.collect_events()

    appointment.update(
        changed_by="user_x",
        at=AT,
        changes={"attendees": ["p3", "p4", "p2", "p5"]},
    )

    events = appointment.collect_events()
    assert all(isinstance(e, Appointment.AttendeeChanged) for e in events)
    assert sorted((e.change, e.attendee_id) for e in events) == [  # type: ignore[attr-defined]
        ("added", "p4"),
        ("added", "p5"),
        ("removed", "p1"),
    ]


def test_an_update_of_fields_and_attendees_records_both() -> None:
    appointment = an_appointment()
    appointment.collect_events()

    appointment.update(
        changed_by="user_x",
        at=AT,
        changes={"name": "Renamed", "attendees": ["someone_else"]},
    )

    kinds = [type(e).__name__ for e in appointment.collect_events()]
    assert kinds == ["Updated", "AttendeeChanged", "AttendeeChanged"]
    assert appointment.document["name"] == "Renamed"
    assert appointment.attendee_ids() == ["someone_else"]
