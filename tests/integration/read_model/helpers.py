"""What the read-model tests share: running projections to the head, and
comparing every projected row with a fold of its events."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from psycopg.sql import SQL, Identifier

from application.queries import AppointmentState, ListQuery
from application.recurrence import Series
from domain.history import fold
from domain.occurrences import is_series
from infrastructure.bootstrap import Container
from infrastructure.read_model import (
    AppointmentsProjection,
    AppointmentsView,
    ProjectionWorker,
    RunnerTimings,
)

FAST = RunnerTimings(batch_size=50, idle_poll=0.2, standby_poll=0.05, retry_delay=0.05)


def a_worker(
    container: Container,
    view: AppointmentsView | None = None,
    timings: RunnerTimings = FAST,
) -> ProjectionWorker:
    return ProjectionWorker(
        app=container.app,
        projection=AppointmentsProjection(view or container.projections.view),
        database_url=container.database_url,
        timings=timings,
    )


def project_all(container: Container) -> int:
    """Apply every recorded event to the view, here and now; the position."""
    return a_worker(container).catch_up()


def head(container: Container) -> int:
    return container.projections.feed.head()


def appointment_ids(container: Container) -> list[str]:
    notifications = container.app.recorder.select_notifications(start=1, limit=10**6)
    return sorted({str(n.originator_id) for n in notifications})


def folded_states(container: Container) -> dict[str, AppointmentState]:
    states = {}
    for appointment_id in appointment_ids(container):
        events = container.app.events_of(appointment_id)
        document = fold(events)
        assert document is not None
        states[appointment_id] = AppointmentState(document, len(events))
    return states


def projected_states(container: Container) -> dict[str, AppointmentState]:
    rows = fetch(container, "SELECT id, document, version FROM appointments")
    return {r["id"]: AppointmentState(r["document"], r["version"]) for r in rows}


def fetch(container: Container, sql: str, *params: Any) -> list[dict[str, Any]]:
    """Run ``sql`` with the container's schema first on the search path."""
    datastore = container.projections.view.datastore
    with datastore.transaction() as curs:
        curs.execute(
            SQL("SET LOCAL search_path TO {}").format(Identifier(datastore.schema))
        )
        curs.execute(SQL(sql), params)  # type: ignore[arg-type]
        return list(curs.fetchall()) if curs.description else []


def child_rows(container: Container) -> dict[str, list[tuple[Any, ...]]]:
    """Each child table's rows in a canonical order."""
    queries = {
        "attendees": "SELECT appointment_id, attendee_id, attendance_status, no_show, "
        "payment_status, last_updated_at, start_time FROM appointment_attendees "
        "ORDER BY appointment_id, position",
        "patients": "SELECT appointment_id, patient_id, start_time "
        "FROM appointment_reference_patients ORDER BY appointment_id, position",
        "status_history": "SELECT appointment_id, status, changed_by, changed_at, "
        "reason FROM appointment_status_history ORDER BY appointment_id, position",
        "occurrences": "SELECT appointment_id, start_time, end_time "
        "FROM appointment_occurrences ORDER BY appointment_id, start_time",
        "metadata": "SELECT id, metadata FROM appointments ORDER BY id",
    }
    return {
        name: [tuple(row.values()) for row in fetch(container, sql)]
        for name, sql in queries.items()
    }


def expected_child_rows(
    states: dict[str, AppointmentState],
) -> dict[str, list[tuple[Any, ...]]]:
    documents = [states[i].document for i in sorted(states)]
    return {
        "attendees": [
            (d["id"], a["id"], *attendee_values(a), d["start_time"])
            for d in documents
            for a in d["attendees"]
        ],
        "patients": [
            (d["id"], p, d["start_time"])
            for d in documents
            for p in d["reference_patients"] or []
        ],
        "status_history": [
            (d["id"], e["status"], e["changed_by"], e["changed_at"], e["reason"])
            for d in documents
            for e in d["status_history"]
        ],
        "occurrences": [
            (d["id"], start, start + d["end_time"] - d["start_time"])
            for d in documents
            if is_series(d)
            for start in Series.of(d).starts()
        ],
        "metadata": [(d["id"], d["metadata"]) for d in documents],
    }


def attendee_values(attendee: dict[str, Any]) -> tuple[Any, ...]:
    fields = ("attendance_status", "no_show", "payment_status", "last_updated_at")
    return tuple(attendee[f] for f in fields)


def assert_view_matches_events(container: Container) -> None:
    """Every row equals the fold of its events: nothing missing, nothing twice."""
    folded = folded_states(container)
    assert projected_states(container) == folded
    assert child_rows(container) == expected_child_rows(folded)


def table_snapshot(container: Container) -> dict[str, Any]:
    rows = fetch(
        container,
        "SELECT id, version, document, host, status, interaction_type, internal, "
        '"group", appointment_type, start_time, end_time, created_at, '
        "last_updated_at FROM appointments ORDER BY id",
    )
    return {"appointments": rows, **child_rows(container)}


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def list_everything(container: Container, query: ListQuery) -> list[str]:
    """Follow ``starting_after`` page by page; the ids in list order."""
    ids: list[str] = []
    page_query = query
    while True:
        page = container.read_model.list(page_query)
        assert len(page.data) <= query.limit
        ids.extend(d["id"] for d in page.data)
        if not page.has_more:
            return ids
        page_query = replace(query, starting_after=ids[-1])
