"""CONTRACT sections 5 and 6: rescheduling keeps the id and the time rules."""

from __future__ import annotations

from typing import Any

import pytest

from application.recurrence import check_series
from domain.appointment import Appointment
from domain.errors import InvalidAppointment
from tests.builders import CREATED_AT, HOUR_MS, START, an_appointment

AT = CREATED_AT + 1_000
DAY_MS = 24 * HOUR_MS

REFUSED: list[Any] = [
    pytest.param(START, START - 1, "end_time", id="end-before-start"),
    pytest.param(START, START, "end_time", id="end-at-start"),
    pytest.param(START, START + DAY_MS + 1, "end_time", id="24h-plus-1ms"),
    pytest.param(946_684_799_999, START, "start_time", id="start-before-2000"),
    pytest.param(
        4_133_980_800_000 - HOUR_MS, 4_133_980_800_000, "end_time", id="end-at-2101"
    ),
]


@pytest.mark.parametrize(("start", "end", "param"), REFUSED)
def test_refuses_a_reschedule_that_breaks_a_time_rule(
    start: int, end: int, param: str
) -> None:
    with pytest.raises(InvalidAppointment) as raised:
        an_appointment().reschedule(
            start_time=start, end_time=end, changed_by="user_x", at=AT
        )

    assert raised.value.param == param


def test_refuses_a_reschedule_by_a_malformed_caller_id() -> None:
    with pytest.raises(InvalidAppointment) as raised:
        an_appointment().reschedule(
            start_time=START, end_time=START + 1, changed_by="a b", at=AT
        )

    assert raised.value.param == "changed_by"


def test_moves_the_appointment_keeping_its_id() -> None:
    appointment = an_appointment()
    appointment_id = appointment.id

    appointment.reschedule(
        start_time=START + DAY_MS,
        end_time=START + 2 * DAY_MS,
        changed_by="user_x",
        at=AT,
    )

    document = appointment.document
    assert (document["id"], document["start_time"], document["end_time"]) == (
        appointment_id,
        START + DAY_MS,
        START + 2 * DAY_MS,
    )
    event = appointment.pending_events[-1]
    assert isinstance(event, Appointment.Updated)
    assert event.changed_by == "user_x"


ON_THURSDAYS = {"is_recurring": True, "rule": "FREQ=WEEKLY;BYDAY=TH", "timezone": "UTC"}


def test_a_series_moved_off_its_rule_is_refused_before_any_event() -> None:
    series = an_appointment(recurring=ON_THURSDAYS)  # START is a Thursday
    recorded = len(series.pending_events)

    with pytest.raises(InvalidAppointment) as raised:
        series.reschedule(
            start_time=START + DAY_MS,
            end_time=START + DAY_MS + HOUR_MS,
            changed_by="user_x",
            at=AT,
            check_series=check_series,
        )

    assert raised.value.param == "start_time"
    assert len(series.pending_events) == recorded
    assert series.document["start_time"] == START


def test_a_series_moves_to_another_start_its_rule_allows() -> None:
    series = an_appointment(recurring=ON_THURSDAYS)

    series.reschedule(
        start_time=START + 7 * DAY_MS,
        end_time=START + 7 * DAY_MS + HOUR_MS,
        changed_by="user_x",
        at=AT,
        check_series=check_series,
    )

    assert series.document["start_time"] == START + 7 * DAY_MS
