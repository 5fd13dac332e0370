"""The read model's tables and indexes, each named once.

A rebuild builds a second, suffixed set beside the live one and then renames
it into place, so every object the swap renames is listed here.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg.sql import SQL, Composed, Identifier

APPOINTMENTS = "appointments"
ATTENDEES = "appointment_attendees"
PATIENTS = "appointment_reference_patients"
STATUS_HISTORY = "appointment_status_history"
OCCURRENCES = "appointment_occurrences"
TABLES = (APPOINTMENTS, ATTENDEES, PATIENTS, STATUS_HISTORY, OCCURRENCES)

REBUILD_SUFFIX = "__rebuild"

CREATE_TABLES: dict[str, str] = {
    APPOINTMENTS: """
        CREATE TABLE IF NOT EXISTS {table} (
            id text COLLATE "C" NOT NULL,
            version bigint NOT NULL,
            document jsonb NOT NULL,
            host text COLLATE "C" NOT NULL,
            status text NOT NULL,
            interaction_type text NOT NULL,
            internal boolean NOT NULL,
            "group" boolean NOT NULL,
            appointment_type text,
            start_time bigint NOT NULL,
            end_time bigint NOT NULL,
            created_at bigint NOT NULL,
            last_updated_at bigint NOT NULL,
            is_series boolean NOT NULL DEFAULT false,
            series_last_end bigint,
            series_id text COLLATE "C",
            original_start_time bigint,
            metadata jsonb NOT NULL DEFAULT '{{}}'::jsonb,
            document_json text{primary_key})""",
    ATTENDEES: """
        CREATE TABLE IF NOT EXISTS {table} (
            appointment_id text COLLATE "C" NOT NULL,
            attendee_id text COLLATE "C" NOT NULL,
            position integer NOT NULL,
            attendance_status text NOT NULL,
            no_show boolean NOT NULL,
            payment_status text NOT NULL,
            last_updated_at bigint NOT NULL,
            start_time bigint NOT NULL{primary_key})""",
    PATIENTS: """
        CREATE TABLE IF NOT EXISTS {table} (
            appointment_id text COLLATE "C" NOT NULL,
            patient_id text COLLATE "C" NOT NULL,
            position integer NOT NULL,
            start_time bigint NOT NULL{primary_key})""",
    STATUS_HISTORY: """
        CREATE TABLE IF NOT EXISTS {table} (
            appointment_id text COLLATE "C" NOT NULL,
            position integer NOT NULL,
            status text NOT NULL,
            changed_by text NOT NULL,
            changed_at bigint NOT NULL,
            reason text{primary_key})""",
    OCCURRENCES: """
        CREATE TABLE IF NOT EXISTS {table} (
            appointment_id text COLLATE "C" NOT NULL,
            start_time bigint NOT NULL,
            end_time bigint NOT NULL{primary_key})""",
}

PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    APPOINTMENTS: ("id",),
    ATTENDEES: ("appointment_id", "attendee_id"),
    PATIENTS: ("appointment_id", "patient_id"),
    STATUS_HISTORY: ("appointment_id", "position"),
    OCCURRENCES: ("appointment_id", "start_time"),
}


ADDED_COLUMNS: dict[str, tuple[str, ...]] = {
    APPOINTMENTS: (
        "is_series boolean NOT NULL DEFAULT false",
        "series_last_end bigint",
        'series_id text COLLATE "C"',
        "original_start_time bigint",
        "metadata jsonb NOT NULL DEFAULT '{{}}'::jsonb",
        "document_json text",
    ),
    STATUS_HISTORY: ("reason text",),
}
"""Columns added after a table's first release: added in place on start-up."""


@dataclass(frozen=True)
class Index:
    name: str
    table: str
    columns: tuple[str, ...]
    method: str = "btree"
    operator_class: str = ""
    """For a GIN index on ``jsonb``, ``jsonb_path_ops``: it serves ``@>``."""


SECONDARY_INDEXES = (
    Index("appointments_start_time_id_idx", APPOINTMENTS, ("start_time", "id")),
    Index("appointments_host_idx", APPOINTMENTS, ("host", "start_time", "id")),
    Index("appointments_status_idx", APPOINTMENTS, ("status", "start_time", "id")),
    Index(
        "appointments_interaction_type_idx",
        APPOINTMENTS,
        ("interaction_type", "start_time", "id"),
    ),
    Index("appointments_internal_idx", APPOINTMENTS, ("internal", "start_time", "id")),
    Index("appointments_group_idx", APPOINTMENTS, ("group", "start_time", "id")),
    Index(
        "appointments_appointment_type_idx",
        APPOINTMENTS,
        ("appointment_type", "start_time", "id"),
    ),
    Index("appointments_end_time_idx", APPOINTMENTS, ("end_time",)),
    Index(
        "appointments_series_idx", APPOINTMENTS, ("series_id", "original_start_time")
    ),
    Index(
        "appointments_is_series_idx", APPOINTMENTS, ("is_series", "start_time", "id")
    ),
    Index("appointments_created_at_idx", APPOINTMENTS, ("created_at",)),
    Index("appointments_last_updated_at_idx", APPOINTMENTS, ("last_updated_at",)),
    Index(
        "appointments_metadata_idx",
        APPOINTMENTS,
        ("metadata",),
        method="gin",
        operator_class="jsonb_path_ops",
    ),
    Index(
        "appointment_attendees_attendee_idx",
        ATTENDEES,
        ("attendee_id", "start_time", "appointment_id"),
    ),
    Index(
        "appointment_reference_patients_patient_idx",
        PATIENTS,
        ("patient_id", "start_time", "appointment_id"),
    ),
    Index("appointment_occurrences_start_time_idx", OCCURRENCES, ("start_time",)),
)


def primary_key(table: str) -> str:
    return table + "_pkey"


@dataclass(frozen=True)
class ViewTables:
    """One set of the read model's tables in ``schema``; ``suffix`` marks a
    set under construction (a rebuild's)."""

    schema: str
    suffix: str = ""

    @property
    def appointments(self) -> Identifier:
        return self.identifier(APPOINTMENTS)

    @property
    def attendees(self) -> Identifier:
        return self.identifier(ATTENDEES)

    @property
    def patients(self) -> Identifier:
        return self.identifier(PATIENTS)

    @property
    def status_history(self) -> Identifier:
        return self.identifier(STATUS_HISTORY)

    @property
    def occurrences(self) -> Identifier:
        return self.identifier(OCCURRENCES)

    def identifier(self, base_name: str) -> Identifier:
        return Identifier(self.schema, self.name(base_name))

    def name(self, base_name: str) -> str:
        return base_name + self.suffix

    def create_table_statements(self, *, primary_keys: bool = True) -> list[Composed]:
        """The tables; without ``primary_keys``, bare (a rebuild loads them
        first and adds the keys after, with ``add_primary_key_statements``)."""
        return [
            SQL(statement).format(
                table=self.identifier(table),
                primary_key=(
                    SQL(", ") + self.primary_key_constraint(table)
                    if primary_keys
                    else SQL("")
                ),
            )
            for table, statement in CREATE_TABLES.items()
        ] + [
            SQL("ALTER TABLE {table} ADD COLUMN IF NOT EXISTS " + column).format(
                table=self.identifier(table)
            )
            for table, added in ADDED_COLUMNS.items()
            for column in added
        ]

    def primary_key_constraint(self, table: str) -> Composed:
        return SQL("CONSTRAINT {name} PRIMARY KEY ({columns})").format(
            name=Identifier(self.name(primary_key(table))),
            columns=SQL(", ").join(Identifier(c) for c in PRIMARY_KEYS[table]),
        )

    def add_primary_key_statements(self) -> list[Composed]:
        return [
            SQL("ALTER TABLE {table} ADD ").format(table=self.identifier(table))
            + self.primary_key_constraint(table)
            for table in TABLES
        ]

    def create_index_statements(self) -> list[Composed]:
        return [
            SQL(
                "CREATE INDEX IF NOT EXISTS {name} ON {table} "
                "USING {method} ({columns})"
            ).format(
                name=Identifier(self.name(index.name)),
                table=self.identifier(index.table),
                method=SQL(index.method),
                columns=SQL(", ").join(
                    SQL("{column} {operator_class}").format(
                        column=Identifier(c), operator_class=SQL(index.operator_class)
                    )
                    for c in index.columns
                ),
            )
            for index in SECONDARY_INDEXES
        ]

    def drop_statements(self) -> list[Composed]:
        return [
            SQL("DROP TABLE IF EXISTS {table}").format(table=self.identifier(table))
            for table in TABLES
        ]

    def analyze_statements(self) -> list[Composed]:
        return [
            SQL("ANALYZE {table}").format(table=self.identifier(table))
            for table in TABLES
        ]

    def rename_into_place_statements(self) -> list[Composed]:
        """Give this set's tables and indexes the live names (drop those first)."""
        tables = [
            SQL("ALTER TABLE {old} RENAME TO {new}").format(
                old=self.identifier(table), new=Identifier(table)
            )
            for table in TABLES
        ]
        indexes = [
            SQL("ALTER INDEX {old} RENAME TO {new}").format(
                old=self.identifier(index), new=Identifier(index)
            )
            for index in index_names()
        ]
        return tables + indexes


def index_names() -> list[str]:
    """Every index of a set, primary keys included, without a suffix."""
    return [primary_key(t) for t in TABLES] + [i.name for i in SECONDARY_INDEXES]
