"""Occurrences of series in a list window, expanded on read, never stored.

A series is one row; its occurrences in the window are computed from its rule
(``application.recurrence``) and merged with the stored rows in list order.
Occurrences with a history of their own are stored rows and are not expanded
again. Infinite series are never materialised: expansion stops at the window.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from application.recurrence import Series
from domain.occurrences import occurrence_document, occurrence_id_in
from domain.values import Document
from infrastructure.read_model.listing import Keyset


@dataclass(frozen=True, order=True)
class ListEntry:
    """One list entry, ordered by ``(start_time, id)`` (ids compare byte-wise):
    a stored row, or an occurrence of ``source``, a series, to be expanded."""

    start_time: int
    id: str
    source: Document = field(compare=False)
    expanded: bool = field(default=False, compare=False)

    def document(self) -> Document:
        if self.expanded:
            return occurrence_document(self.source, self.start_time)
        return self.source


def stored_entries(documents: Iterable[Document]) -> list[ListEntry]:
    """The rows a list read, as entries."""
    return [ListEntry(d["start_time"], d["id"], d) for d in documents]


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


def first_page(entries: Iterable[ListEntry], limit: int) -> tuple[list[Document], bool]:
    """The first ``limit`` entries in list order, and whether more follow."""
    ordered = sorted(entries)
    return [entry.document() for entry in ordered[:limit]], len(ordered) > limit
