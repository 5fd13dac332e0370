"""Occurrences of series in a list window, expanded on read, never stored.

A series is one row; its occurrences in the window are computed from its rule
(``application.recurrence``) and merged with the stored rows in list order.
Occurrences with a history of their own are stored rows and are not expanded
again. Infinite series are never materialised: expansion stops at the window.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from application.recurrence import Series
from domain.occurrences import occurrence_document, occurrence_id_in
from domain.values import Document
from infrastructure.read_model.listing import Keyset
from infrastructure.read_model.rendering import response_body


@dataclass(frozen=True, order=True)
class ListEntry:
    """One list entry, ordered by ``(start_time, id)`` (ids compare byte-wise):
    a stored row, or an occurrence of ``source``, a series, to be expanded."""

    start_time: int
    id: str
    source: Document | None = field(compare=False)
    expanded: bool = field(default=False, compare=False)
    body: str | None = field(default=None, compare=False)
    """The response body the projection stored for a row, when read."""

    def document(self) -> Document:
        if self.source is None:
            raise ValueError(f"The list read no document for {self.id}")
        if self.expanded:
            return occurrence_document(self.source, self.start_time)
        return self.source

    def rendered(self) -> bytes:
        """The entry's response body: stored, or rendered here."""
        if self.body is not None and not self.expanded:
            return self.body.encode()
        return response_body(self.document())


def stored_entries(rows: Iterable[Mapping[str, Any]]) -> list[ListEntry]:
    """The rows a list read (``listing.list_statement``'s columns), as entries."""
    return [
        ListEntry(row["start_time"], row["id"], row["document"], body=row["body"])
        for row in rows
    ]


def occurrence_entries(
    series: Iterable[Document],
    stored: set[str],
    window: tuple[int | None, int],
    after: Keyset | None,
    limit: int,
) -> list[ListEntry]:
    """At most ``limit`` occurrences of each series in the window, after
    ``after``, but for those ``stored`` (ids with a history of their own)."""
    entries: list[ListEntry] = []
    for document in series:
        occurrences = occurrences_of(document, window, after, stored)
        entries.extend(
            entry for _, entry in zip(range(limit), occurrences, strict=False)
        )
    return entries


def occurrences_of(
    series: Document,
    window: tuple[int | None, int],
    after: Keyset | None,
    stored: set[str],
) -> Iterator[ListEntry]:
    gte, lt = window
    for start in Series.of(series).starts_between(gte, lt):
        identifier = occurrence_id_in(series, start)
        if identifier in stored or (after and (start, identifier) <= after.key()):
            continue
        yield ListEntry(start, identifier, series, expanded=True)


def first_page(
    entries: Iterable[ListEntry], limit: int
) -> tuple[list[ListEntry], bool]:
    """The first ``limit`` entries in list order, and whether more follow."""
    ordered = sorted(entries)
    return ordered[:limit], len(ordered) > limit
