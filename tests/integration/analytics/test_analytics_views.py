"""The analytics views on a seeded store (``seeded.py`` works out the numbers)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from psycopg.sql import SQL

from application.queries import ListQuery
from domain.draft import AppointmentDraft
from infrastructure.analytics.install import install_analytics
from infrastructure.analytics.views import analytics_schema
from infrastructure.bootstrap import Container
from tests.builders import HOUR_MS, a_draft
from tests.integration.analytics.examples import examples, run_example
from tests.integration.analytics.seeded import (
    JAN_12_08H,
    WEEK_MS,
    Seeded,
)
from tests.integration.read_model.helpers import fetch, list_everything, project_all

UTC = dt.UTC


def execute(container: Container, sql: str) -> None:
    """Run ``sql`` and commit (``fetch`` rolls back)."""
    datastore = container.projections.view.datastore
    with datastore.transaction(commit=True) as curs:
        curs.execute(SQL(sql.replace("{schema}", datastore.schema)))  # type: ignore[arg-type]


def view_rows(container: Container, sql: str, *params: Any) -> list[dict[str, Any]]:
    schema = analytics_schema(container.projections.view.datastore.schema)
    return fetch(container, sql.replace("analytics.", f'"{schema}".'), *params)


def test_every_documented_example_is_tested() -> None:
    assert set(examples()) == {
        "sessions_per_status",
        "attendee_no_shows",
        "time_in_status",
        "host_days",
        "metadata_sources",
    }


def test_sessions_per_status_count_each_occurrence(
    container: Container, seeded: Seeded
) -> None:
    # January: A1-A4, and the series' occurrences of Jan 12, 19 and 26.
    assert run_example(container, "sessions_per_status") == [
        ("cancelled", 2),  # A3, Jan 26
        ("completed", 1),  # A1
        ("no_show", 2),  # A2, Jan 19
        ("scheduled", 2),  # A4, Jan 12
    ]


def test_attendee_no_shows(container: Container, seeded: Seeded) -> None:
    assert run_example(container, "attendee_no_shows") == [
        ("p1", 6, 1),  # A1, A3 and four occurrences; marked on Jan 19
        ("p2", 2, 0),  # A2's status is no_show, but p2 was not marked
        ("p3", 4, 0),
    ]


def test_time_in_status(container: Container, seeded: Seeded) -> None:
    # scheduled: A1 60, A2 220, A3 225; the detached occurrences from the
    # series' booking (t+225): Jan 19 15, Jan 26 35. Current statuses: none.
    assert run_example(container, "time_in_status") == [
        ("confirmed", 1, 120, 120),
        ("in_progress", 1, 30, 30),
        ("scheduled", 5, 60 + 220 + 225 + 15 + 35, 225),
    ]


def test_host_days(container: Container, seeded: Seeded) -> None:
    assert run_example(container, "host_days") == [
        ("host_a", dt.date(2026, 1, 5), 3, 1, 1, 1, Decimal("0.50")),
        ("host_a", dt.date(2026, 1, 6), 1, 0, 0, 0, None),
        ("host_b", dt.date(2026, 1, 12), 1, 0, 0, 0, None),
        ("host_b", dt.date(2026, 1, 19), 1, 0, 0, 1, Decimal("1.00")),
        ("host_b", dt.date(2026, 1, 26), 1, 0, 1, 0, None),
        ("host_b", dt.date(2026, 2, 2), 1, 0, 0, 0, None),
    ]


def test_metadata_is_an_empty_object_when_none_was_set(
    container: Container, seeded: Seeded
) -> None:
    assert run_example(container, "metadata_sources") == [(None, 8)]


def test_the_rows_are_the_api_list_of_the_same_window(
    container: Container, seeded: Seeded
) -> None:
    window = ListQuery(
        limit=3, start_time_gte=0, start_time_lt=JAN_12_08H + WEEK_MS * 9
    )
    listed = list_everything(container, window)
    rows = view_rows(container, "SELECT id FROM analytics.appointments ORDER BY id")
    assert sorted(listed) == [r["id"] for r in rows]


def test_an_occurrence_row(container: Container, seeded: Seeded) -> None:
    rows = view_rows(
        container,
        "SELECT id, kind, series_id, detached, version, start_time, end_time, "
        "original_start_time, status, rule, timezone, attendee_count "
        "FROM analytics.appointments WHERE series_id = %s ORDER BY start_time",
        seeded.series,
    )
    monday = dt.datetime(2026, 1, 12, 8, tzinfo=UTC)
    assert [r["start_time"] for r in rows] == [
        monday + dt.timedelta(weeks=w) for w in range(4)
    ]
    assert [r["end_time"] - r["start_time"] for r in rows] == [
        dt.timedelta(hours=1)
    ] * 4
    assert [r["original_start_time"] for r in rows] == [r["start_time"] for r in rows]
    assert [r["id"] for r in rows] == [seeded.occurrence(w) for w in range(4)]
    assert [r["detached"] for r in rows] == [False, True, True, False]
    assert [r["version"] for r in rows] == [0, 3, 2, 0]
    assert [r["status"] for r in rows] == [
        "scheduled",
        "no_show",
        "cancelled",
        "scheduled",
    ]
    assert {
        (r["kind"], r["rule"], r["timezone"], r["attendee_count"]) for r in rows
    } == {("occurrence", "FREQ=WEEKLY;COUNT=4", "Europe/Berlin", 2)}


def test_a_berlin_series_keeps_its_local_time_across_daylight_saving(
    container: Container,
) -> None:
    monday = 1_774_252_800_000  # 2026-03-23T08:00:00Z, 09:00 in Berlin (CET)

    rows = occurrence_rows(
        container,
        a_series_draft(monday, "FREQ=WEEKLY;COUNT=3", "Europe/Berlin"),
        "start_time",
    )

    # Summer time starts on 2026-03-29: 09:00 in Berlin is 07:00Z after it.
    assert [r["start_time"] for r in rows] == [
        dt.datetime(2026, 3, 23, 8, tzinfo=UTC),
        dt.datetime(2026, 3, 30, 7, tzinfo=UTC),
        dt.datetime(2026, 4, 6, 7, tzinfo=UTC),
    ]


def test_an_open_ended_series_stops_at_the_services_cap(container: Container) -> None:
    rows = occurrence_rows(
        container,
        a_series_draft(JAN_12_08H, "FREQ=DAILY", "UTC"),
        "start_time",
    )

    first = dt.datetime(2026, 1, 12, 8, tzinfo=UTC)
    assert [r["start_time"] for r in rows] == [
        first + dt.timedelta(days=d) for d in range(1000)
    ]


def test_status_durations_of_an_appointment(
    container: Container, seeded: Seeded
) -> None:
    rows = view_rows(
        container,
        "SELECT position, status, changed_by, entered_at, left_at, duration, "
        "is_current FROM analytics.status_durations WHERE appointment_id = %s "
        "ORDER BY position",
        seeded.singles[0],
    )
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    at = [start + dt.timedelta(minutes=m) for m in (0, 60, 180, 210)]
    assert [(r["position"], r["status"]) for r in rows] == [
        (0, "scheduled"),
        (1, "confirmed"),
        (2, "in_progress"),
        (3, "completed"),
    ]
    assert [r["entered_at"] for r in rows] == at
    assert [r["left_at"] for r in rows] == [*at[1:], None]
    assert [r["duration"] for r in rows] == [
        dt.timedelta(minutes=60),
        dt.timedelta(minutes=120),
        dt.timedelta(minutes=30),
        None,
    ]
    assert [r["is_current"] for r in rows] == [False, False, False, True]


def test_the_views_survive_a_rebuild(container: Container, seeded: Seeded) -> None:
    before = run_example(container, "host_days")

    container.projections.rebuild()

    assert run_example(container, "host_days") == before
    assert run_example(container, "attendee_no_shows")[0] == ("p1", 6, 1)


def test_start_up_fills_occurrences_of_series_written_before_the_table(
    container: Container, seeded: Seeded
) -> None:
    execute(container, 'DELETE FROM "{schema}".appointment_occurrences')
    assert run_example(container, "sessions_per_status") == [
        ("cancelled", 2),
        ("completed", 1),
        ("no_show", 2),
        ("scheduled", 1),
    ]
    schema = analytics_schema(container.projections.view.datastore.schema)
    execute(container, f"COMMENT ON SCHEMA \"{schema}\" IS 'an older release'")

    install_analytics(container.projections.view)

    assert ("scheduled", 2) in run_example(container, "sessions_per_status")


def test_start_up_recreates_views_whose_definition_changed(
    container: Container, seeded: Seeded
) -> None:
    schema = analytics_schema(container.projections.view.datastore.schema)
    execute(container, f'DROP VIEW "{schema}".daily_host_volume')
    execute(container, f"COMMENT ON SCHEMA \"{schema}\" IS 'an older release'")

    install_analytics(container.projections.view)

    assert len(run_example(container, "host_days")) == 6


def occurrence_rows(
    container: Container, draft: AppointmentDraft, columns: str
) -> list[dict[str, Any]]:
    """Schedule the series ``draft``, project it, and select ``columns`` of
    its rows in ``analytics.appointments``, in start order."""
    series = container.app.schedule(draft).document
    project_all(container)
    return view_rows(
        container,
        f"SELECT {columns} FROM analytics.appointments WHERE series_id = %s "
        "ORDER BY start_time",
        series["id"],
    )


def a_series_draft(start: int, rule: str, timezone: str) -> AppointmentDraft:
    return a_draft(
        host="host_c",
        start_time=start,
        end_time=start + HOUR_MS,
        recurring={"is_recurring": True, "rule": rule, "timezone": timezone},
    )
