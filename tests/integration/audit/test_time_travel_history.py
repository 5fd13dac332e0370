"""Time travel over a long history: at every version, and at every moment,
the application returns the fold of the events up to that point."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from application.command_recording import CommandResult
from application.errors import AppointmentNotFound
from application.queries import AppointmentState
from application.service import AppointmentsApplication
from domain.history import fold
from tests.builders import HOUR_MS, START, a_draft
from tests.fakes import ManualClock

CHANGES = 30
GAP_MS = 1_000


def change(
    app: AppointmentsApplication, appointment_id: str, step: int
) -> CommandResult:
    """The ``step``-th change of a history that touches every kind of field."""
    by = f"user_{step % 3}"
    commands: list[Callable[[], CommandResult]] = [
        lambda: app.update(
            appointment_id, changed_by=by, changes={"name": f"Name {step}"}
        ),
        lambda: app.update(
            appointment_id,
            changed_by=by,
            changes={"attendees": ["p1", "p2"] if step % 2 else ["p1"]},
        ),
        lambda: app.change_attendee(
            appointment_id,
            "p1",
            changed_by=by,
            changes={"attendance_status": ["maybe", "going"][step % 2]},
        ),
        lambda: app.reschedule(
            appointment_id,
            start_time=START + step * HOUR_MS,
            end_time=START + (step + 1) * HOUR_MS,
            changed_by=by,
        ),
        lambda: app.update(
            appointment_id, changed_by=by, changes={"visit_note": f"Note {step}"}
        ),
    ]
    if step in (10, 20):
        status = "confirmed" if step == 10 else "checked_in"
        return app.change_status(appointment_id, status=status, changed_by=by)
    return commands[step % len(commands)]()


def long_history(
    app: AppointmentsApplication, clock: ManualClock
) -> tuple[str, list[AppointmentState]]:
    """An appointment with 30 changes; the state after each command, by version."""
    created = app.schedule(a_draft(group=True, attendees=["p1"]))
    appointment_id = created.document["id"]
    states = [AppointmentState(created.document, created.version)]
    for step in range(CHANGES):
        clock.advance(GAP_MS)
        written = change(app, appointment_id, step)
        states.append(AppointmentState(written.document, written.version))
    return appointment_id, states


def test_every_version_is_the_fold_of_the_events_up_to_it(
    app: AppointmentsApplication, clock: ManualClock
) -> None:
    appointment_id, states = long_history(app, clock)
    events = app.events_of(appointment_id)
    assert [state.version for state in states] == list(range(1, CHANGES + 2))

    for version in range(1, CHANGES + 2):
        at_version = app.get_at_version(appointment_id, version)

        assert at_version == AppointmentState(fold(events[:version]) or {}, version)
        assert at_version == states[version - 1]


def test_every_moment_is_the_fold_of_the_events_until_then(
    app: AppointmentsApplication, clock: ManualClock
) -> None:
    appointment_id, states = long_history(app, clock)
    events = app.events_of(appointment_id)
    moments = [event.changed_at for event in events]

    for version, moment in enumerate(moments, start=1):
        expected = AppointmentState(fold(events[:version]) or {}, version)
        next_moment = moments[version] if version < len(moments) else moment + GAP_MS

        assert app.get_as_of(appointment_id, moment) == expected
        assert app.get_as_of(appointment_id, next_moment - 1) == expected
        assert expected == states[version - 1]
    with pytest.raises(AppointmentNotFound):
        app.get_as_of(appointment_id, moments[0] - 1)
