"""The read model as the application reads it (its ``ReadModel`` port):
retrieve, list, and waiting until the view shows a write."""

from __future__ import annotations

from collections.abc import Sequence
from time import monotonic, sleep

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composable

from application.errors import database_errors
from application.queries import (
    AppointmentState,
    ListQuery,
    Page,
    RenderedPage,
    UnknownCursor,
)
from application.recurrence import find_occurrence
from domain.occurrences import occurrence_ids_from
from domain.values import Document
from infrastructure.read_model.expansion import (
    ListEntry,
    first_page,
    occurrence_entries,
    stored_entries,
)
from infrastructure.read_model.field_order import ordered_document
from infrastructure.read_model.listing import (
    PAGE_BODIES,
    PAGE_DOCUMENTS,
    Keyset,
    detached_statement,
    list_statement,
    windowed_statement,
)
from infrastructure.read_model.view import AppointmentsView

HEARD_SOON_SECONDS = 0.05
"""How long a woken writer waits before its first look at the tracking table."""

RECHECK_SECONDS = 0.5
"""How often a writer woken by committed batches still reads the tracking table."""

QUICK_LOOKS = (0.002, 0.004, 0.008, 0.016, 0.032)
"""Pauses (seconds) between the first looks at the tracking table in wait_for."""


class PostgresReadModel:
    """Reads the tables of ``view``; implements ``application.queries.ReadModel``."""

    def __init__(self, view: AppointmentsView) -> None:
        self.view = view
        tables = view.tables
        self.select_one = SQL(
            "SELECT document, version FROM {table} WHERE id = %s"
        ).format(table=tables.appointments)
        self.select_detached = detached_statement(tables)
        self.select_keyset = SQL(
            "SELECT start_time, id FROM {table} WHERE id = %s"
        ).format(table=tables.appointments)

    def get(self, appointment_id: str) -> AppointmentState | None:
        """A stored row, or an occurrence of a series without a history of its
        own (version 0: no event has been recorded for it)."""
        with database_errors(), self.view.datastore.cursor() as curs:
            curs.execute(self.select_one, (appointment_id,))
            row = curs.fetchone()
            if row is None:
                occurrence = self._virtual(curs, appointment_id)
                return None if occurrence is None else AppointmentState(occurrence, 0)
        return AppointmentState(ordered_document(row["document"]), row["version"])

    # Above ``list``: below it, ``list[...]`` in a signature names the method.
    def _page(
        self, query: ListQuery, columns: Composable
    ) -> tuple[list[ListEntry], bool]:
        """One round trip for a page (two with a cursor, three when series
        have occurrences in the window); no explicit transaction."""
        tables = self.view.tables
        with database_errors(), self.view.datastore.cursor() as curs:
            after = self._keyset(curs, query.starting_after)
            if query.start_time_lt is None:
                statement, params = list_statement(tables, query, after, columns)
            else:
                statement, params = windowed_statement(tables, query, after, columns)
            curs.execute(statement, params)
            rows = curs.fetchall()
            entries = stored_entries(row for row in rows if not row["series"])
            series = [row["document"] for row in rows if row["series"]]
            if series and query.start_time_lt is not None:
                window = (query.start_time_gte, query.start_time_lt)
                entries.extend(self._occurrences(curs, series, window, after, query))
        return first_page(entries, query.limit)

    def list(self, query: ListQuery) -> Page:
        entries, has_more = self._page(query, PAGE_DOCUMENTS)
        return Page([ordered_document(e.document()) for e in entries], has_more)

    def list_rendered(self, query: ListQuery) -> RenderedPage:
        entries, has_more = self._page(query, PAGE_BODIES)
        return RenderedPage([entry.rendered() for entry in entries], has_more)

    def _occurrences(
        self,
        curs: Cursor[DictRow],
        series: Sequence[Document],
        window: tuple[int | None, int],
        after: Keyset | None,
        query: ListQuery,
    ) -> Sequence[ListEntry]:
        """The window's occurrences of these series that have no history."""
        ids_from = sorted({occurrence_ids_from(s) for s in series})
        curs.execute(self.select_detached, (ids_from,))
        stored = {row["id"] for row in curs.fetchall()}
        return occurrence_entries(series, stored, window, after, query.limit + 1)

    def _virtual(self, curs: Cursor[DictRow], appointment_id: str) -> Document | None:
        def load_series(series_id: str) -> Document | None:
            curs.execute(self.select_one, (series_id,))
            row = curs.fetchone()
            return None if row is None else row["document"]

        occurrence = find_occurrence(appointment_id, load_series)
        return None if occurrence is None else ordered_document(occurrence)

    def _keyset(
        self, curs: Cursor[DictRow], starting_after: str | None
    ) -> Keyset | None:
        if starting_after is None:
            return None
        curs.execute(self.select_keyset, (starting_after,))
        row = curs.fetchone()
        if row is not None:
            return Keyset(row["start_time"], row["id"])
        occurrence = self._virtual(curs, starting_after)
        if occurrence is None:
            raise UnknownCursor(starting_after)
        return Keyset(occurrence["start_time"], occurrence["id"])

    def wait_for(self, position: int, timeout: float) -> bool:
        """Whether the view has processed ``position`` within ``timeout``.

        Woken, not polling, when this process hears of committed batches (its
        own runner leads, or the cache listener hears the leader's
        ``NOTIFY``). Otherwise a few quick looks at the tracking table, then
        the library's ``TrackingRecorder.wait`` (its first pause is 100 ms,
        while a running projection usually applies a write within a few ms)."""
        committed = self.view.committed
        if self.view.projecting_here.is_set() or committed.hearing.is_set():
            return self._wait_woken(position, timeout)
        deadline = monotonic() + timeout
        try:
            with database_errors():
                if self._reached_soon(position, deadline):
                    return True
                remaining = max(deadline - monotonic(), 0.0)
                self.view.wait(self.view.application_name, position, timeout=remaining)
        except TimeoutError:
            return False
        return True

    def _wait_woken(self, position: int, timeout: float) -> bool:
        """Woken by each committed batch this process hears of, with no round
        trip when one is heard within ``HEARD_SOON_SECONDS``; then the tracking
        table is read every ``RECHECK_SECONDS`` in case the position moved
        unheard (a rebuild's swap, a batch committed before the listener
        started)."""
        committed = self.view.committed
        deadline = monotonic() + timeout
        if committed.wait_until(position, min(HEARD_SOON_SECONDS, timeout)):
            return True
        while True:
            if committed.reached(position) or self._tracked(position):
                return True
            remaining = deadline - monotonic()
            if remaining <= 0:
                return False
            if committed.wait_until(position, min(RECHECK_SECONDS, remaining)):
                return True

    def _reached_soon(self, position: int, deadline: float) -> bool:
        for pause in QUICK_LOOKS:
            if self._tracked(position):
                return True
            if monotonic() + pause >= deadline:
                return False
            sleep(pause)
        return False

    def _tracked(self, position: int) -> bool:
        with database_errors():
            return bool(self.view.has_tracking_id(self.view.application_name, position))
