"""CONTRACT section 7, no lost updates: concurrent writers on one appointment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from application.errors import VersionMismatch
from application.service import AppointmentsApplication
from tests.builders import START, a_draft

ATTENDEES = [f"p{n}" for n in range(8)]


def run_together(writes: list[Callable[[], Any]]) -> list[Any]:
    """Run every write on its own thread, released at the same moment."""
    barrier = threading.Barrier(len(writes))

    def released(write: Callable[[], Any]) -> Any:
        barrier.wait()
        try:
            return write()
        except VersionMismatch as error:
            return error

    with ThreadPoolExecutor(max_workers=len(writes)) as pool:
        return list(pool.map(released, writes))


def test_writers_of_different_fields_are_all_applied(
    app: AppointmentsApplication,
) -> None:
    appointment_id = app.schedule(a_draft()).document["id"]
    changes: list[dict[str, Any]] = [
        {"name": "Renamed"},
        {"description": "Described"},
        {"visit_note": "Noted"},
        {"actual_start_time": START},
        {"actual_end_time": START + 1},
    ]

    run_together(
        [
            lambda c=c: app.update(appointment_id, changed_by="user_a", changes=c)
            for c in changes
        ]
    )

    state = app.get(appointment_id)
    assert state.version == 1 + len(changes)
    for change in changes:
        assert change.items() <= state.document.items()


def test_writers_of_different_attendees_are_all_applied(
    app: AppointmentsApplication,
) -> None:
    appointment_id = app.schedule(a_draft(group=True, attendees=ATTENDEES)).document[
        "id"
    ]

    run_together(
        [
            lambda a=a: app.change_attendee(
                appointment_id, a, changed_by=a, changes={"payment_status": "paid"}
            )
            for a in ATTENDEES
        ]
    )

    state = app.get(appointment_id)
    assert state.version == 1 + len(ATTENDEES)
    assert {a["payment_status"] for a in state.document["attendees"]} == {"paid"}


def test_writers_expecting_the_same_version_let_exactly_one_through(
    app: AppointmentsApplication,
) -> None:
    appointment_id = app.schedule(a_draft()).document["id"]
    notes = [f"note {n}" for n in range(6)]

    outcomes = run_together(
        [
            lambda n=n: app.update(
                appointment_id,
                changed_by="user_a",
                changes={"visit_note": n},
                expected_version=1,
            )
            for n in notes
        ]
    )

    mismatches = [o for o in outcomes if isinstance(o, VersionMismatch)]
    (winner,) = [o for o in outcomes if not isinstance(o, VersionMismatch)]
    assert len(mismatches) == len(notes) - 1
    assert all(m.expected == 1 and m.current == 2 for m in mismatches)
    state = app.get(appointment_id)
    assert state.version == 2
    assert state.document["visit_note"] == winner.document["visit_note"]
