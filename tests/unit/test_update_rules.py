"""CONTRACT sections 5 and 6: what an update may and may not change."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pytest

from domain.appointment import Appointment
from domain.draft import AppointmentDraft
from domain.errors import InvalidAppointment
from tests.builders import CREATED_AT, START, a_draft, an_appointment

AT = CREATED_AT + 1_000


class UncheckedDraft(AppointmentDraft):
    """A series, which the domain will accept once recurrence lands."""

    def validate(self) -> None:
        pass


def a_recurring_appointment() -> Appointment:
    recurring = {"is_recurring": True, "rule": "FREQ=WEEKLY", "timezone": "UTC"}
    draft = UncheckedDraft(**asdict(a_draft(recurring=recurring)))
    return Appointment.schedule(
        appointment_id="appt_" + "R" * 20, draft=draft, video_call=None, at=CREATED_AT
    )


REFUSED: list[Any] = [
    pytest.param({"start_time": START}, "start_time", id="start-time-not-updatable"),
    pytest.param({"created_by": "someone"}, "created_by", id="creator-not-updatable"),
    pytest.param({"status": "confirmed"}, "status", id="status-not-updatable"),
    pytest.param({"name": ""}, "name", id="empty-name"),
    pytest.param({"name": "x" * 201}, "name", id="name-201"),
    pytest.param({"name": "\x00"}, "name", id="name-nul"),
    pytest.param({"name": "\ud83d"}, "name", id="name-surrogate"),
    pytest.param({"description": "x" * 5001}, "description", id="description-5001"),
    pytest.param({"description": "a\x00"}, "description", id="description-nul"),
    pytest.param({"visit_note": ""}, "visit_note", id="empty-visit-note"),
    pytest.param({"visit_note": "x" * 5001}, "visit_note", id="visit-note-5001"),
    pytest.param({"visit_note": "\ud800"}, "visit_note", id="visit-note-surrogate"),
    pytest.param(
        {"actual_start_time": START, "actual_end_time": START - 1},
        "actual_end_time",
        id="actual-end-before-start",
    ),
    pytest.param(
        {"actual_start_time": 946_684_799_999},
        "actual_start_time",
        id="actual-start-before-2000",
    ),
    pytest.param(
        {"actual_end_time": 4_133_980_800_000},
        "actual_end_time",
        id="actual-end-at-2101",
    ),
    pytest.param(
        {"reference_patients": ["pat_1"]},
        "reference_patients",
        id="patients-on-external",
    ),
    pytest.param({"attendees": ["p1", "p1"]}, "attendees", id="attendee-repeated"),
    pytest.param({"attendees": ["user_host"]}, "attendees", id="host-as-attendee"),
    pytest.param({"attendees": ["p1", "p2"]}, "attendees", id="non-group-two"),
    pytest.param({"attendees": ["p 1"]}, "attendees", id="attendee-pattern"),
]


@pytest.mark.parametrize(("changes", "param"), REFUSED)
def test_refuses_an_update_that_breaks_a_rule(
    changes: dict[str, Any], param: str
) -> None:
    appointment = an_appointment()

    with pytest.raises(InvalidAppointment) as raised:
        appointment.update(changed_by="user_host", at=AT, changes=changes)

    assert raised.value.param == param
    assert len(appointment.pending_events) == 1  # only its creation


MALFORMED_CALLER_IDS: list[Any] = [
    pytest.param("", id="empty"),
    pytest.param("a" * 65, id="65-chars"),
    pytest.param("a b", id="space"),
    pytest.param("ü", id="non-ascii"),
    pytest.param("\ud800", id="surrogate"),
    pytest.param("a\x00", id="nul"),
]


@pytest.mark.parametrize("updated_by", MALFORMED_CALLER_IDS)
def test_refuses_an_update_by_a_malformed_caller_id(updated_by: str) -> None:
    with pytest.raises(InvalidAppointment) as raised:
        an_appointment().update(changed_by=updated_by, at=AT, changes={"name": "x"})

    assert raised.value.param == "updated_by"


def test_refuses_to_clear_the_reference_patients_of_an_internal_appointment() -> None:
    appointment = an_appointment(internal=True, reference_patients=["pat_1"])

    with pytest.raises(InvalidAppointment) as raised:
        appointment.update(
            changed_by="user_host", at=AT, changes={"reference_patients": None}
        )

    assert raised.value.param == "reference_patients"


def test_refuses_an_actual_end_before_the_stored_actual_start() -> None:
    appointment = an_appointment()
    appointment.update(
        changed_by="user_host", at=AT, changes={"actual_start_time": START}
    )

    with pytest.raises(InvalidAppointment) as raised:
        appointment.update(
            changed_by="user_host", at=AT, changes={"actual_end_time": START - 1}
        )

    assert raised.value.param == "actual_end_time"


@pytest.mark.parametrize("field", ["actual_start_time", "actual_end_time"])
def test_refuses_actual_times_on_a_recurring_appointment(field: str) -> None:
    with pytest.raises(InvalidAppointment) as raised:
        a_recurring_appointment().update(
            changed_by="user_host", at=AT, changes={field: START}
        )

    assert raised.value.param == field


ACCEPTED: list[Any] = [
    pytest.param({"name": "x" * 200}, id="name-200"),
    pytest.param({"description": ""}, id="description-empty"),
    pytest.param({"visit_note": "x" * 5000}, id="visit-note-5000"),
    pytest.param(
        {"actual_start_time": START, "actual_end_time": START}, id="actual-equal"
    ),
    pytest.param({"actual_end_time": START}, id="actual-end-alone"),
    pytest.param({"attendees": []}, id="no-attendees"),
    pytest.param({"attendees": ["someone_else"]}, id="another-attendee"),
]


@pytest.mark.parametrize("changes", ACCEPTED)
def test_applies_an_update_within_the_rules(changes: dict[str, Any]) -> None:
    appointment = an_appointment()

    appointment.update(changed_by="user_host", at=AT, changes=dict(changes))

    for field, value in changes.items():
        if field != "attendees":
            assert appointment.document[field] == value
    assert appointment.document["last_updated_at"] == AT


def test_updates_the_reference_patients_of_an_internal_appointment() -> None:
    appointment = an_appointment(internal=True)

    appointment.update(
        changed_by="user_host", at=AT, changes={"reference_patients": ["pat_1"]}
    )

    assert appointment.document["reference_patients"] == ["pat_1"]


def test_leaves_fields_not_sent_untouched() -> None:
    appointment = an_appointment()
    before = dict(appointment.document)

    appointment.update(changed_by="user_host", at=AT, changes={"name": "Renamed"})

    after = appointment.document
    assert {k for k in after if after[k] != before[k]} == {"name", "last_updated_at"}
