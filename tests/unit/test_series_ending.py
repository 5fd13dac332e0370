"""docs/recurring.md: a series ended from one occurrence onward is split; the
later part takes the status and keeps its occurrences' ids, so every id still
names the same session, with the status of the part that holds it."""

from __future__ import annotations

from collections.abc import Callable

from application.bookings import booking_of
from application.recurrence import continuation, find_occurrence, rule_until
from domain.appointment import Appointment
from domain.ids import occurrence_id
from domain.occurrences import occurrence_id_in
from domain.values import Document
from tests.builders import CREATED_AT, HOUR_MS, START, an_appointment

WEEK = 7 * 24 * HOUR_MS
WEEKLY = {"is_recurring": True, "rule": "FREQ=WEEKLY;COUNT=6", "timezone": "UTC"}
STARTS = [START + n * WEEK for n in range(6)]


def end_from(series: Appointment, start: int, status: str, new_id: str) -> Appointment:
    """What the application's ``end_series_from`` does, without a store."""
    draft = continuation(
        series.document, start, start, start + HOUR_MS, "u", keep_ids=True
    )
    rule = series.document["recurring"]["rule"]
    series.end_series(
        rule=rule_until(rule, start), continued_by=new_id, changed_by="u", at=CREATED_AT
    )
    remainder = Appointment.schedule(
        appointment_id=new_id, draft=draft, video_call=None, at=CREATED_AT
    )
    remainder.change_status(status=status, changed_by="u", at=CREATED_AT + 1)
    return remainder


def store_of(*appointments: Appointment) -> Callable[[str], Document | None]:
    documents = {a.id: a.document for a in appointments}
    return documents.get


def test_the_later_part_keeps_the_ids_and_takes_the_status() -> None:
    series = an_appointment(
        recurring=WEEKLY,
        interaction_type="in_person",
        location={"address": "1 Main St"},
    )
    remainder = end_from(series, STARTS[3], "cancelled", "appt_" + "R" * 20)
    load = store_of(series, remainder)

    found = [find_occurrence(occurrence_id(series.id, s), load) for s in STARTS]

    assert all(f is not None for f in found)
    assert [f["id"] for f in found if f] == [
        occurrence_id(series.id, s) for s in STARTS
    ]
    assert [f["status"] for f in found if f] == ["scheduled"] * 3 + ["cancelled"] * 3
    assert [f["recurring"]["series"] for f in found if f] == [series.id] * 3 + [
        remainder.id
    ] * 3
    assert remainder.document["recurring"]["occurrence_ids_from"] == series.id
    assert occurrence_id_in(remainder.document, STARTS[4]) == occurrence_id(
        series.id, STARTS[4]
    )


def test_the_remainders_own_ids_name_nothing() -> None:
    series = an_appointment(recurring=WEEKLY)
    remainder = end_from(series, STARTS[3], "cancelled", "appt_" + "R" * 20)

    found = find_occurrence(
        occurrence_id(remainder.id, STARTS[4]), store_of(series, remainder)
    )

    assert found is None


def test_a_second_split_before_the_first_keeps_every_id_reachable() -> None:
    series = an_appointment(recurring=WEEKLY)
    later = end_from(series, STARTS[4], "cancelled", "appt_" + "L" * 20)
    earlier = end_from(series, STARTS[2], "no_show", "appt_" + "E" * 20)
    load = store_of(series, later, earlier)

    statuses = [
        (find_occurrence(occurrence_id(series.id, s), load) or {}).get("status")
        for s in STARTS
    ]

    assert statuses == ["scheduled"] * 2 + ["no_show"] * 2 + ["cancelled"] * 2
    assert earlier.document["recurring"]["continued_by"] == later.id
    assert series.document["recurring"]["continued_by"] == earlier.id


def test_only_the_earlier_part_keeps_people_busy() -> None:
    series = an_appointment(recurring=WEEKLY)
    remainder = end_from(series, STARTS[3], "cancelled", "appt_" + "R" * 20)

    kept = {slot.appointment for slot in booking_of(series.document).slots}

    assert kept == {occurrence_id(series.id, s) for s in STARTS[:3]}
    assert booking_of(remainder.document).slots == ()
