"""``appointments export`` of 100,000 appointments in bounded memory.

The store is seeded fast, straight into the read-model table by SQL: one real
appointment is written through the application and projected, then copied
under 99,999 new ids (and later ``last_updated_at`` values) with one
``INSERT ... SELECT`` over ``generate_series``. The export reads only that
table, so this is the store it would see after 100,000 bookings.

Peak memory is the export process's own maximum resident set size, from
``wait4``; the bound is relative to the same command exporting nothing, so
it does not depend on the machine or the libraries' import size.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from psycopg.sql import SQL

from infrastructure.bootstrap import bootstrap
from infrastructure.read_model.field_order import APPOINTMENT_ORDER
from infrastructure.settings import load_settings
from tests.builders import a_draft
from tests.integration.read_model.helpers import project_all

APPOINTMENTS_CLI = Path(sys.executable).parent / "appointments"
ROWS = 100_000
GROWTH_BOUND_BYTES = 40 * 1024 * 1024
"""Exporting 100,000 rows (over 100 MB of CSV) may use at most 40 MB more than
exporting none: the named cursor holds 1,000 rows at a time."""

COPY_ROWS = SQL("""
    INSERT INTO appointments (id, version, document, host, status,
        interaction_type, internal, "group", appointment_type, start_time,
        end_time, created_at, last_updated_at)
    SELECT copy.id, a.version,
        jsonb_set(a.document, '{id}', to_jsonb(copy.id))
            || jsonb_build_object('last_updated_at', a.last_updated_at + n),
        a.host, a.status, a.interaction_type, a.internal, a."group",
        a.appointment_type, a.start_time, a.end_time, a.created_at,
        a.last_updated_at + n
    FROM appointments a
    CROSS JOIN generate_series(1, %s) AS n
    CROSS JOIN LATERAL (SELECT 'appt_' || lpad(n::text, 20, '0') AS id) copy
    WHERE a.id = %s
""")


def seed_rows(database_url: str, count: int) -> None:
    container = bootstrap(load_settings(database_url=database_url))
    try:
        written = container.app.schedule(a_draft(description="A long note. " * 80))
        project_all(container)
        with container.projections.view.datastore.transaction(commit=True) as curs:
            curs.execute(COPY_ROWS, (count - 1, written.document["id"]))
    finally:
        container.close()


def export_peak_rss(
    database_url: str, cwd: Path, output: Path, *options: str
) -> tuple[int, int]:
    """Run the export as its own process; its exit code and peak RSS (bytes)."""
    process = subprocess.Popen(
        [
            *(str(APPOINTMENTS_CLI), "export", "--format", "csv"),
            *("--output", str(output), *options),
        ],
        cwd=cwd,
        env={"APPOINTMENTS_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=(cwd / f"{output.name}.stderr").open("w"),
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss * 1024  # kilobytes on Linux


def test_exporting_100000_appointments_keeps_memory_flat(
    fresh_database: str, tmp_path: Path
) -> None:
    seed_rows(fresh_database, ROWS)
    full, empty = tmp_path / "all.csv", tmp_path / "none.csv"

    code_all, peak_all = export_peak_rss(fresh_database, tmp_path, full)
    code_none, peak_none = export_peak_rss(
        fresh_database, tmp_path, empty, "--since", str(2**62)
    )

    assert (code_all, code_none) == (0, 0), (tmp_path / "all.csv.stderr").read_text()
    with full.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        assert next(rows) == list(APPOINTMENT_ORDER)
        assert sum(1 for _ in rows) == ROWS
    assert full.stat().st_size > 100 * 1024 * 1024
    assert peak_all - peak_none < GROWTH_BOUND_BYTES, (peak_all, peak_none)
