"""What a rebuild's worker process does with a chunk of stored events:
decode them (``decoding.py``), fold each appointment from all its events
(``folding.py``, as the projection folds), and return the rows as ``COPY``
text (``copy_rows.py``). A module of its own, light to import: each worker
process imports it when it starts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from infrastructure.read_model.copy_rows import copy_texts
from infrastructure.read_model.decoding import StoredEventDecoder, StoredRow
from infrastructure.read_model.folding import evolve_states


class FoldedChunk(NamedTuple):
    events: int
    """Stored events read, appointment events or not."""
    copy_texts: list[str]
    """Rows for each table of ``copy_rows.ROW_SETS``, in its order."""


def fold_chunk(decoder: StoredEventDecoder, rows: Sequence[StoredRow]) -> FoldedChunk:
    """The rows of the appointments whose events (all of them, in version
    order) ``rows`` are."""
    events = [event for event in map(decoder.decode, rows) if event is not None]
    states = evolve_states({}, events)
    return FoldedChunk(len(rows), copy_texts(states.values()))
