"""Filling the occupancy table, once, for a store made before it existed.

Every appointment is folded from its events (the only source of truth) and
its slots recorded: exclusive where they can be, kept as they are where they
overlap, so ``audit verify`` can report double bookings made before the rule
instead of losing them. The table is locked meanwhile, so no write slips
between the fold and the rows; a marker row makes it happen once, however many
processes start together.
"""

from __future__ import annotations

import logging

from psycopg.sql import SQL, Identifier

from application.bookings import booking_of
from application.service import AppointmentsApplication
from infrastructure.recorder import recorder_of
from infrastructure.tables import create_table_once

logger = logging.getLogger(__name__)

MIGRATION = "occupancy"


def backfill_occupancy(app: AppointmentsApplication) -> int:
    """Fill the table unless done before; the number of appointments filled."""
    recorder = recorder_of(app)
    schema = recorder.datastore.schema
    marker = create_table_once(
        recorder.datastore,
        recorder.occupancy.table + "_migrations",
        "CREATE TABLE IF NOT EXISTS {t} (name text PRIMARY KEY, "
        "applied_at timestamptz NOT NULL DEFAULT now())",
    )
    with recorder.datastore.transaction(commit=True) as curs:
        curs.execute(
            SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(
                Identifier(schema, recorder.occupancy.table)
            )
        )
        curs.execute(
            SQL("SELECT 1 FROM {} WHERE name = %s").format(marker), (MIGRATION,)
        )
        if curs.fetchone() is not None:
            return 0
        curs.execute(
            SQL("SELECT DISTINCT originator_id FROM {}").format(
                Identifier(schema, recorder.events_table_name)
            )
        )
        ids = [row["originator_id"] for row in curs.fetchall()]
        for appointment_id in ids:
            document = app.get(appointment_id).document
            recorder.occupancy.backfill(curs, booking_of(document))
        curs.execute(
            SQL("INSERT INTO {} (name) VALUES (%s)").format(marker), (MIGRATION,)
        )
    if ids:
        logger.warning("occupancy filled for %d appointments made before it", len(ids))
    return len(ids)
