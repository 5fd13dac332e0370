"""The list query: filters of CONTRACT section 6, keyset-paginated on
``(start_time, id)``.

The ordered scan is driven by the most selective index available: a filter on
an attendee or a reference patient scans that child table's
``(person, start_time, appointment_id)`` index; otherwise the appointments'
``(start_time, id)`` index (or a filter column's ``(column, start_time, id)``
one). Every page, however deep, is one index range scan of ``limit + 1`` rows:
there is no ``OFFSET``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from psycopg.sql import SQL, Composable, Composed, Identifier
from psycopg.types.json import Jsonb

from application.queries import ListQuery
from infrastructure.read_model.tables import ViewTables

SPECIAL_FILTERS = frozenset(
    {
        "limit",
        "starting_after",
        "attendee",
        "patient",
        "start_time_gte",
        "start_time_lt",
        "metadata",
    }
)
"""ListQuery fields for the page, the child tables, the time window and the
metadata (one containment test on the GIN-indexed ``metadata`` column)."""

APPOINTMENT_FILTERS = tuple(
    each.name for each in fields(ListQuery) if each.name not in SPECIAL_FILTERS
)
"""Every other ListQuery field compares equal to the appointments column of
that name."""


@dataclass(frozen=True)
class Keyset:
    """Where a page starts: just after this appointment in list order."""

    start_time: int
    appointment_id: str

    def key(self) -> tuple[int, str]:
        return (self.start_time, self.appointment_id)


@dataclass
class Scan:
    """The rows a list reads, the keys it orders by, and its conditions."""

    source: Composable
    time: Composable
    id: Composable
    conditions: list[Composable] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def where(self, condition: str, *values: Any, **names: Composable) -> None:
        self.conditions.append(SQL(condition).format(**names))
        self.params.extend(values)


PAGE_DOCUMENTS = SQL("a.document, NULL::text AS body")
PAGE_BODIES = SQL(
    "CASE WHEN a.document_json IS NULL THEN a.document END AS document, "
    "a.document_json AS body"
)
"""A page's rows as documents (``jsonb``, parsed), or as the response bodies
the projection stored (the document only for a row stored before them)."""


def list_statement(
    tables: ViewTables,
    query: ListQuery,
    after: Keyset | None,
    columns: Composable = PAGE_DOCUMENTS,
) -> tuple[Composed, list[Any]]:
    """Rows in list order: with a ``start_time_lt`` bound, every row but the
    series (their occurrences are expanded apart); without one, every row but
    the occurrences that have a history of their own (their series stands for
    them). Each row: ``columns`` (``PAGE_DOCUMENTS`` or ``PAGE_BODIES``),
    its start time and id, and ``series`` false."""
    scan = driving_scan(tables, query)
    if query.start_time_lt is not None:
        scan.where("NOT a.is_series")
    else:
        scan.where("a.series_id IS NULL")
    filter_appointments(scan, query)
    if query.start_time_gte is not None:
        scan.where("{time} >= %s", query.start_time_gte, time=scan.time)
    if query.start_time_lt is not None:
        scan.where("{time} < %s", query.start_time_lt, time=scan.time)
    if after is not None:
        scan.where(
            "({time}, {id}) > (%s, %s)",
            after.start_time,
            after.appointment_id,
            time=scan.time,
            id=scan.id,
        )
    statement = SQL(
        "SELECT {columns}, a.start_time, a.id, false AS series "
        "FROM {source}{where} ORDER BY {time}, {id} LIMIT %s"
    ).format(
        columns=columns,
        source=scan.source,
        where=where_clause(scan.conditions),
        time=scan.time,
        id=scan.id,
    )
    return statement, [*scan.params, query.limit + 1]


def filter_appointments(scan: Scan, query: ListQuery) -> None:
    """The conditions on the appointments' own columns."""
    for column in APPOINTMENT_FILTERS:
        value = getattr(query, column)
        if value is not None:
            scan.where("a.{column} = %s", value, column=Identifier(column))
    if query.metadata:
        scan.where("a.metadata @> %s", Jsonb(query.metadata))


def driving_scan(tables: ViewTables, query: ListQuery) -> Scan:
    if query.attendee is not None:
        scan = child_scan(tables, tables.attendees)
        scan.where("d.attendee_id = %s", query.attendee)
        if query.patient is not None:
            scan.where(
                "EXISTS (SELECT 1 FROM {patients} p "
                "WHERE p.appointment_id = a.id AND p.patient_id = %s)",
                query.patient,
                patients=tables.patients,
            )
        return scan
    if query.patient is not None:
        scan = child_scan(tables, tables.patients)
        scan.where("d.patient_id = %s", query.patient)
        return scan
    return Scan(
        source=SQL("{table} a").format(table=tables.appointments),
        time=SQL("a.start_time"),
        id=SQL("a.id"),
    )


def child_scan(tables: ViewTables, child: Identifier) -> Scan:
    """Scan a child table's ``(person, start_time, appointment_id)`` index."""
    return Scan(
        source=SQL("{child} d JOIN {appointments} a ON a.id = d.appointment_id").format(
            child=child, appointments=tables.appointments
        ),
        time=SQL("d.start_time"),
        id=SQL("d.appointment_id"),
    )


def where_clause(conditions: list[Composable]) -> Composable:
    if not conditions:
        return SQL("")
    return SQL(" WHERE ") + SQL(" AND ").join(conditions)


def series_statement(
    tables: ViewTables, query: ListQuery
) -> tuple[Composed, list[Any]]:
    """The series that may have an occurrence in the query's window and that
    match its other filters (each occurrence is as its series is)."""
    scan = Scan(
        source=SQL("{table} a").format(table=tables.appointments),
        time=SQL("a.start_time"),
        id=SQL("a.id"),
    )
    scan.where("a.is_series")
    scan.where("a.start_time < %s", query.start_time_lt)
    if query.start_time_gte is not None:
        scan.where("a.series_last_end > %s", query.start_time_gte)
    filter_appointments(scan, query)
    for child, column, value in (
        (tables.attendees, "attendee_id", query.attendee),
        (tables.patients, "patient_id", query.patient),
    ):
        if value is not None:
            scan.where(
                "EXISTS (SELECT 1 FROM {child} c "
                "WHERE c.appointment_id = a.id AND c.{column} = %s)",
                value,
                child=child,
                column=Identifier(column),
            )
    statement = SQL(
        "SELECT a.document, NULL::text AS body, a.start_time, a.id, true AS series "
        "FROM {source}{where}"
    ).format(source=scan.source, where=where_clause(scan.conditions))
    return statement, scan.params


def detached_statement(tables: ViewTables) -> Composed:
    """The ids of the stored occurrences (those with a history of their own)
    whose ids are made of one of some series ids: they are rows, not expanded.
    One primary-key range per series id (``<id>_`` up to ``<id>```)."""
    return SQL(
        "SELECT d.id FROM unnest(%s::text[]) AS b(ids_from) "
        "CROSS JOIN LATERAL (SELECT id FROM {table} "
        "WHERE id > (b.ids_from || '_') COLLATE \"C\" "
        "AND id < (b.ids_from || '`') COLLATE \"C\") AS d"
    ).format(table=tables.appointments)


def windowed_statement(
    tables: ViewTables,
    query: ListQuery,
    after: Keyset | None,
    columns: Composable = PAGE_DOCUMENTS,
) -> tuple[Composed, list[Any]]:
    """A window's page of rows and its candidate series, in one round trip."""
    page, page_params = list_statement(tables, query, after, columns)
    series, series_params = series_statement(tables, query)
    statement = SQL("({page}) UNION ALL ({series})").format(page=page, series=series)
    return statement, [*page_params, *series_params]
