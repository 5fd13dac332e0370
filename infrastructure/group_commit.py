"""Group commit: concurrent saves share one event-store transaction.

The event store takes ``LOCK TABLE ... IN EXCLUSIVE MODE`` for every insert,
so that notification ids commit in order; concurrent writers therefore queue
on the lock, one round trip each. Here the first writer to find no commit in
progress becomes the committer: it takes every save queued so far and records
them with one lock, one insert and one commit, then wakes their writers.

If the store refuses the shared transaction as a whole (say, one save's
version conflicts) it raises ``GroupRefused`` from inside the transaction, so
nothing of the group was stored; then each save is recorded again on its own,
and every writer gets exactly its own outcome. Any other failure (the
connection lost, the commit's outcome unknown) is every writer's failure:
redoing saves that may already be stored would report a conflict for a write
that succeeded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import StoredEvent

Ids = Sequence[int] | None


class GroupRefused(Exception):
    """The store refused a group and rolled its transaction back: nothing of
    the group was stored, so each save may be redone alone."""


@dataclass
class PendingSave:
    stored_events: Sequence[StoredEvent]
    kwargs: dict[str, Any]
    done: bool = False
    ids: Ids = None
    error: BaseException | None = None

    def finish(self, ids: Ids = None, error: BaseException | None = None) -> None:
        self.ids, self.error, self.done = ids, error, True

    def outcome(self) -> Ids:
        if self.error is not None:
            raise self.error
        return self.ids


def ignore_fallback(group: Sequence[PendingSave], refusal: GroupRefused) -> None:
    """The default: a fallback to one-by-one saves goes unreported."""


class GroupCommit:
    """Combines concurrent saves; ``record_group`` writes several in one
    transaction, ``record_one`` writes one on its own; ``on_fallback`` hears
    of each group refused as a whole before its saves are redone alone."""

    def __init__(
        self,
        record_group: Callable[[Sequence[PendingSave]], list[Sequence[int]]],
        record_one: Callable[[PendingSave], Ids],
        on_fallback: Callable[
            [Sequence[PendingSave], GroupRefused], None
        ] = ignore_fallback,
    ) -> None:
        self.record_group = record_group
        self.record_one = record_one
        self.on_fallback = on_fallback
        self._queue: list[PendingSave] = []
        self._committing = False
        self._changed = threading.Condition()

    def save(self, stored_events: Sequence[StoredEvent], kwargs: dict[str, Any]) -> Ids:
        pending = PendingSave(stored_events, kwargs)
        group = self._join(pending)
        if group:
            self._commit(group)
        return pending.outcome()

    def _join(self, pending: PendingSave) -> list[PendingSave]:
        """Queue ``pending``; the group to commit if this writer is to commit
        it, or nothing once another writer has committed it."""
        with self._changed:
            self._queue.append(pending)
            while not pending.done:
                if not self._committing:
                    self._committing = True
                    group, self._queue = self._queue, []
                    return group
                self._changed.wait()
            return []

    def _commit(self, group: list[PendingSave]) -> None:
        try:
            self._record(group)
        except BaseException as error:
            for pending in group:
                if not pending.done:
                    pending.finish(error=error)
            raise
        finally:
            with self._changed:
                self._committing = False
                self._changed.notify_all()

    def _record(self, group: list[PendingSave]) -> None:
        if len(group) > 1 and self._recorded_together(group):
            return
        for pending in group:
            try:
                pending.finish(ids=self.record_one(pending))
            except Exception as error:  # the writer re-raises it as its own
                pending.finish(error=error)

    def _recorded_together(self, group: list[PendingSave]) -> bool:
        """Whether the group committed as one; if refused, nothing of it did.
        Any other failure propagates to every writer of the group."""
        try:
            ids = self.record_group(group)
        except GroupRefused as refusal:
            self.on_fallback(group, refusal)
            return False
        for pending, its_ids in zip(group, ids, strict=True):
            pending.finish(ids=its_ids)
        return True
