"""Streaming every stored appointment out of the read model, in constant memory.

A server-side (named) cursor hands the rows over ``batch_size`` at a time;
each is written as it arrives, so memory does not grow with the store. The
cursor's one transaction is a consistent snapshot. Rows are the read model's:
single appointments, series (as the series object) and occurrences with a
history of their own, in the order of ``(last_updated_at, id)``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Composed

from domain.values import Document
from infrastructure.read_model.field_order import APPOINTMENT_ORDER, ordered_document
from infrastructure.read_model.tables import ViewTables

DEFAULT_BATCH = 1000
CURSOR_NAME = "appointments_export"

Progress = Callable[[int], None]
"""Told how many appointments have been written so far."""


@dataclass(frozen=True)
class ExportWindow:
    """Appointments last changed in ``[since, until)`` (epoch ms); None: open."""

    since: int | None = None
    until: int | None = None

    def where(self) -> tuple[Composed, tuple[int, ...]]:
        conditions, params = [SQL("true")], []
        if self.since is not None:
            conditions.append(SQL("last_updated_at >= %s"))
            params.append(self.since)
        if self.until is not None:
            conditions.append(SQL("last_updated_at < %s"))
            params.append(self.until)
        return SQL(" AND ").join(conditions), tuple(params)


class AppointmentExport:
    def __init__(
        self, datastore: PostgresDatastore, *, batch_size: int = DEFAULT_BATCH
    ) -> None:
        self.datastore = datastore
        self.table = ViewTables(datastore.schema).appointments
        self.batch_size = batch_size

    def count(self, window: ExportWindow) -> int:
        where, params = window.where()
        statement = SQL("SELECT count(*) AS n FROM {t} WHERE {w}").format(
            t=self.table, w=where
        )
        with self.datastore.cursor() as curs:
            curs.execute(statement, params)
            row = curs.fetchone()
        return int(row["n"]) if row else 0

    def documents(self, window: ExportWindow) -> Iterator[Document]:
        """Each appointment object, in the API's field order."""
        where, params = window.where()
        statement = SQL(
            "SELECT document FROM {t} WHERE {w} ORDER BY last_updated_at, id"
        ).format(t=self.table, w=where)
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor(name=CURSOR_NAME) as curs,
        ):
            # A slow reader of the output may leave the transaction idle a while.
            conn.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
            curs.itersize = self.batch_size
            curs.execute(statement, params)
            for row in curs:
                yield ordered_document(row["document"])


def write_jsonl(
    documents: Iterable[Document], out: TextIO, on_progress: Progress | None = None
) -> int:
    """One appointment object per line, as the API renders it."""
    return _write(
        documents, lambda d: out.write(_json(d) + "\n"), on_progress=on_progress
    )


def write_csv(
    documents: Iterable[Document], out: TextIO, on_progress: Progress | None = None
) -> int:
    """RFC 4180: a header row of the appointment's fields, CRLF line ends,
    quoting where needed; nested fields as JSON text, null as an empty field."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(APPOINTMENT_ORDER)
    return _write(
        documents,
        lambda d: writer.writerow([csv_cell(d.get(k)) for k in APPOINTMENT_ORDER]),
        on_progress=on_progress,
    )


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return _json(value)
    return str(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _write(
    documents: Iterable[Document],
    write_one: Callable[[Document], object],
    *,
    on_progress: Progress | None,
    every: int = DEFAULT_BATCH,
) -> int:
    written = 0
    for document in documents:
        write_one(document)
        written += 1
        if on_progress is not None and written % every == 0:
            on_progress(written)
    if on_progress is not None:
        on_progress(written)
    return written
