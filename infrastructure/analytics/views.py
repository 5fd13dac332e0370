"""The analytics views' SQL, each defined once.

The views read the read model's live tables. A rebuild's swap drops those
tables and renames fresh ones into place, which a view bound to the old
tables would block, so the swap drops the views first and creates them again
in the same transaction (``drop_statements`` / ``create_statements``).

Every view has two branches: stored rows that are not a series (single
appointments and occurrences with a history of their own), and a series'
occurrences without a history of their own, read from the
``appointment_occurrences`` rows the projection writes for each series.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from psycopg.sql import SQL, Composed, Identifier, Literal

ANALYTICS_SCHEMA = "analytics"
DEFAULT_SCHEMA = "public"
VIEW_NAMES = ("appointments", "attendees", "status_durations", "daily_host_volume")


class LiveTables(Protocol):
    """The read model's live tables, as ``ViewTables`` names them."""

    @property
    def appointments(self) -> Identifier: ...

    @property
    def attendees(self) -> Identifier: ...

    @property
    def occurrences(self) -> Identifier: ...


def analytics_schema(service_schema: str) -> str:
    """``analytics`` beside the default schema; ``<schema>_analytics`` beside
    any other (each test's schema gets its own)."""
    if service_schema in ("", DEFAULT_SCHEMA):
        return ANALYTICS_SCHEMA
    return f"{service_schema}_{ANALYTICS_SCHEMA}"


def ms(expression: str) -> str:
    """Epoch milliseconds as ``timestamptz``, exactly (integer arithmetic)."""
    return f"(timestamptz 'epoch' + ({expression}) * interval '1 millisecond')"


def document_ms(field: str) -> str:
    return f"(a.document->>'{field}')::bigint"


STORED = "FROM {appointments} a {joins} WHERE NOT a.is_series"
VIRTUAL_ID = (
    "(COALESCE(a.document->'recurring'->>'occurrence_ids_from', a.id) "
    "|| '_' || o.start_time)"
)
"""An occurrence's id (``domain.occurrences.occurrence_id_in``): a series that
took over another's occurrences onward keeps their ids."""
VIRTUAL = (
    "FROM {occurrences} o JOIN {appointments} a ON a.id = o.appointment_id {joins} "
    "WHERE NOT EXISTS (SELECT 1 FROM {appointments} d WHERE d.id = " + VIRTUAL_ID + ")"
)
"""A series' occurrences that have no history of their own (by id)."""


def both_branches(stored: str, virtual: str, joins: str = "") -> str:
    return (
        f"SELECT {stored} {STORED.replace('{joins}', joins)} "
        f"UNION ALL SELECT {virtual} {VIRTUAL.replace('{joins}', joins)}"
    )


def appointment_fields() -> str:
    """The columns after ``start_time, end_time``, read from row ``a``."""
    return ", ".join(
        (
            "a.document->>'name' AS name",
            "a.document->>'description' AS description",
            "a.host AS host",
            "a.status AS status",
            "a.interaction_type AS interaction_type",
            "a.internal AS internal",
            'a."group" AS "group"',
            "a.appointment_type AS appointment_type",
            "a.document->>'generated_from_type' AS generated_from_type",
            "a.document->>'generated_from' AS generated_from",
            f"{ms(document_ms('actual_start_time'))} AS actual_start_time",
            f"{ms(document_ms('actual_end_time'))} AS actual_end_time",
            "jsonb_array_length(a.document->'attendees') AS attendee_count",
            "a.document->'video_call'->>'join_url' AS join_url",
            "a.document->'video_call'->>'meeting_id' AS meeting_id",
            "NULLIF(a.document->'location', 'null'::jsonb) AS location",
            "NULLIF(a.document->'reference_patients', 'null'::jsonb) "
            "AS reference_patients",
            "a.document->'recurring'->>'rule' AS rule",
            "a.document->'recurring'->>'timezone' AS timezone",
            "a.document->>'visit_note' AS visit_note",
            "COALESCE(a.document->'metadata', '{{}}'::jsonb) AS metadata",
            "a.document->>'created_by' AS created_by",
            f"{ms('a.created_at')} AS created_at",
            f"{ms('a.last_updated_at')} AS last_updated_at",
        )
    )


APPOINTMENTS = both_branches(
    "a.id AS id, "
    "CASE WHEN a.series_id IS NULL THEN 'single' ELSE 'occurrence' END AS kind, "
    f"a.series_id AS series_id, {ms('a.original_start_time')} AS original_start_time, "
    "a.series_id IS NOT NULL AS detached, a.version AS version, "
    f"{ms('a.start_time')} AS start_time, {ms('a.end_time')} AS end_time, "
    + appointment_fields(),
    f"{VIRTUAL_ID}, 'occurrence', a.id, {ms('o.start_time')}, false, 0::bigint, "
    f"{ms('o.start_time')}, {ms('o.end_time')}, " + appointment_fields(),
)

ATTENDEE_FIELDS = (
    "t.attendee_id AS attendee_id, t.position AS position, "
    "t.attendance_status AS attendance_status, t.no_show AS no_show, "
    "t.payment_status AS payment_status, "
    f"{ms('t.last_updated_at')} AS last_updated_at, "
    "a.host AS host, a.status AS status"
)
ATTENDEES = both_branches(
    f"a.id AS appointment_id, {ATTENDEE_FIELDS}, {ms('a.start_time')} AS start_time",
    f"{VIRTUAL_ID}, {ATTENDEE_FIELDS}, {ms('o.start_time')}",
    joins="JOIN {attendees} t ON t.appointment_id = a.id",
)

HISTORY = (
    "CROSS JOIN LATERAL jsonb_array_elements(a.document->'status_history') "
    "WITH ORDINALITY AS h(entry, n) "
    "CROSS JOIN LATERAL (SELECT (h.entry->>'changed_at')::bigint AS entered, "
    "(a.document->'status_history'->(h.n::integer)->>'changed_at')::bigint AS left_) e"
)
DURATION_FIELDS = (
    "(h.n - 1)::integer AS position, h.entry->>'status' AS status, "
    "h.entry->>'changed_by' AS changed_by, h.entry->>'reason' AS reason, "
    f"{ms('e.entered')} AS entered_at, {ms('e.left_')} AS left_at, "
    "(e.left_ - e.entered) * interval '1 millisecond' AS duration, "
    "e.left_ IS NULL AS is_current"
)
STATUS_DURATIONS = both_branches(
    f"a.id AS appointment_id, {DURATION_FIELDS}",
    f"{VIRTUAL_ID}, {DURATION_FIELDS}",
    joins=HISTORY,
)

DAILY_HOST_VOLUME = (
    "SELECT host, (start_time AT TIME ZONE 'UTC')::date AS day, "
    "count(*) AS booked, "
    "count(*) FILTER (WHERE status = 'completed') AS completed, "
    "count(*) FILTER (WHERE status = 'cancelled') AS cancelled, "
    "count(*) FILTER (WHERE status = 'no_show') AS no_show, "
    "(count(*) FILTER (WHERE status = 'no_show'))::numeric "
    "/ NULLIF(count(*) FILTER (WHERE status IN ('completed', 'no_show')), 0) "
    "AS no_show_rate "
    "FROM {analytics}.appointments GROUP BY 1, 2"
)

DEFINITIONS = {
    "appointments": APPOINTMENTS,
    "attendees": ATTENDEES,
    "status_durations": STATUS_DURATIONS,
    "daily_host_volume": DAILY_HOST_VOLUME,
}
VERSION = hashlib.sha256("\n".join(DEFINITIONS.values()).encode()).hexdigest()[:16]
MARKER = f"appointments analytics views {VERSION}"
"""Stored as the schema's comment: start-up recreates the views when it differs."""


class AnalyticsViews:
    """The analytics views over one set of live tables."""

    def __init__(self, service_schema: str, tables: LiveTables) -> None:
        self.schema = analytics_schema(service_schema)
        self.identifier = Identifier(self.schema)
        self.tables = tables

    def drop_statements(self) -> list[Composed]:
        return [
            SQL("DROP VIEW IF EXISTS {schema}.{view}").format(
                schema=self.identifier, view=Identifier(name)
            )
            for name in reversed(VIEW_NAMES)
        ]

    def create_statements(self) -> list[Composed]:
        views = [
            SQL("CREATE VIEW {schema}.{view} AS " + DEFINITIONS[name]).format(
                schema=self.identifier,
                view=Identifier(name),
                analytics=self.identifier,
                appointments=self.tables.appointments,
                attendees=self.tables.attendees,
                occurrences=self.tables.occurrences,
            )
            for name in VIEW_NAMES
        ]
        return [
            SQL("CREATE SCHEMA IF NOT EXISTS {}").format(self.identifier),
            *views,
            SQL("COMMENT ON SCHEMA {} IS {}").format(self.identifier, Literal(MARKER)),
        ]

    def marker_statement(self) -> Composed:
        """The schema's comment (null when the schema does not exist)."""
        return SQL(
            "SELECT obj_description(to_regnamespace({}), 'pg_namespace') AS marker"
        ).format(Literal(self.schema))
