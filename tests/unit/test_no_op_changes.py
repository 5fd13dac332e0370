"""CONTRACT section 6: a change that changes nothing records no event."""

from __future__ import annotations

from typing import Any

import pytest

from domain.appointment import Appointment
from tests.builders import CREATED_AT, HOUR_MS, START, an_appointment

AT = CREATED_AT + 1_000

SAME_VALUES: list[Any] = [
    pytest.param({}, id="nothing-sent"),
    pytest.param({"name": "Annual Check-in"}, id="same-name"),
    pytest.param(
        {"description": "Annual check-in appointment for all patients"},
        id="same-description",
    ),
    pytest.param({"visit_note": None}, id="same-visit-note"),
    pytest.param({"actual_start_time": None}, id="same-actual-start"),
    pytest.param({"attendees": ["user_patient"]}, id="same-attendees"),
    pytest.param(
        {"name": "Annual Check-in", "attendees": ["user_patient"]}, id="all-same"
    ),
]


@pytest.mark.parametrize("changes", SAME_VALUES)
def test_an_update_that_changes_nothing_records_no_event(
    changes: dict[str, Any],
) -> None:
    appointment = an_appointment()
    appointment.collect_events()
    before = dict(appointment.document)

    appointment.update(changed_by="user_x", at=AT, changes=changes)

    assert appointment.version == 1
    assert appointment.pending_events == []
    assert appointment.document == before


def test_an_update_records_only_the_fields_that_differ() -> None:
    appointment = an_appointment()
    appointment.collect_events()

    appointment.update(
        changed_by="user_x",
        at=AT,
        changes={"name": "Annual Check-in", "visit_note": "Went well"},
    )

    (event,) = appointment.collect_events()
    assert isinstance(event, Appointment.Updated)
    assert event.fields == {"visit_note": "Went well"}


def test_a_reschedule_to_the_same_times_records_no_event() -> None:
    appointment = an_appointment()
    appointment.collect_events()

    appointment.reschedule(
        start_time=START, end_time=START + HOUR_MS, changed_by="user_x", at=AT
    )

    assert appointment.version == 1
    assert appointment.pending_events == []


def test_an_update_leaves_the_callers_changes_as_they_were() -> None:
    changes: dict[str, Any] = {"name": "New", "attendees": ["someone_else"]}

    an_appointment().update(changed_by="user_x", at=AT, changes=changes)

    assert changes == {"name": "New", "attendees": ["someone_else"]}
