"""A store made before schedule conflicts gets its occupancy once, at start-up;
overlaps made back then are kept and reported, never dropped."""

from __future__ import annotations

import pytest
from psycopg.sql import SQL, Identifier

from domain.appointment import Appointment
from domain.errors import ScheduleConflict
from infrastructure.audit.findings import Check
from infrastructure.audit.verify import StoreVerifier
from infrastructure.bootstrap import Container
from infrastructure.occupancy_backfill import backfill_occupancy
from infrastructure.recorder import recorder_of
from tests.builders import HOUR_MS, START, a_draft


def record_as_before_the_rule(container: Container, appointment_id: str) -> None:
    """Store an appointment's events with no occupancy, as an old version did."""
    appointment = Appointment.schedule(
        appointment_id=appointment_id,
        draft=a_draft(allow_overlap=False),
        video_call=None,
        at=START - HOUR_MS,
    )
    container.app.save(appointment)


def forget_the_fill(container: Container) -> None:
    recorder = recorder_of(container.app)
    marker = Identifier(
        recorder.datastore.schema, recorder.occupancy.table + "_migrations"
    )
    with recorder.datastore.transaction(commit=True) as curs:
        curs.execute(SQL("DELETE FROM {}").format(marker))


def test_old_appointments_are_filled_once_and_their_overlap_reported(
    container: Container,
) -> None:
    first, second = "appt_" + "A" * 20, "appt_" + "B" * 20
    record_as_before_the_rule(container, first)
    record_as_before_the_rule(container, second)
    forget_the_fill(container)

    filled = backfill_occupancy(container.app)
    again = backfill_occupancy(container.app)

    assert (filled, again) == (2, 0)
    busy = container.busy_times.busy("user_host", START, START + HOUR_MS)
    assert [b.appointment for b in busy] == [first, second]
    report = StoreVerifier(container.app, container.projections.view).verify()
    doubles = [f for f in report.findings if f.check is Check.DOUBLE_BOOKED]
    assert [(f.appointment_id, f.detail) for f in doubles] == [
        (first, f"user_host is also in {second}"),
        (first, f"user_patient is also in {second}"),
    ]
    with pytest.raises(ScheduleConflict):
        container.app.schedule(a_draft(host="h2", allow_overlap=False))


def test_a_fresh_store_verifies_without_double_bookings(container: Container) -> None:
    container.app.schedule(a_draft(allow_overlap=False))
    container.app.schedule(a_draft(allow_overlap=True))

    report = StoreVerifier(container.app, container.projections.view).verify()

    assert [f for f in report.findings if f.check is Check.DOUBLE_BOOKED] == []
