"""Reading the event store's notifications in batches, for catching up."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from eventsourcing.persistence import Mapper, Notification

from application.service import AppointmentsApplication
from infrastructure.recorder import AppointmentsRecorder, recorder_of

ApplyBatch = Callable[[Sequence[Notification]], int]
"""Applies a batch in one transaction and returns the view's position after it."""


@dataclass(frozen=True)
class EventFeed:
    """The upstream application's notification log, as a projection reads it."""

    name: str
    recorder: AppointmentsRecorder
    mapper: Mapper[str]

    @classmethod
    def of(cls, app: AppointmentsApplication) -> EventFeed:
        return cls(app.name, recorder_of(app), app.mapper)

    def after(
        self, position: int, limit: int, until: int | None = None
    ) -> Sequence[Notification]:
        """Up to ``limit`` notifications after ``position`` (up to ``until``)."""
        return self.recorder.notifications_after(position, limit, until)

    def head(self) -> int:
        head: int | None = self.recorder.max_notification_id()
        return head or 0


def catch_up(
    feed: EventFeed,
    apply_batch: ApplyBatch,
    *,
    position: int,
    batch_size: int,
    until: int | None = None,
    keep_going: Callable[[], bool] = lambda: True,
) -> int:
    """Apply every notification after ``position`` (up to ``until``), a batch
    at a time, until none is left or ``keep_going`` says stop; the position
    reached. A batch shorter than ``batch_size`` was all there was when it was
    read: no second look (a runner is woken by the store's NOTIFY of anything
    committed since)."""
    while keep_going():
        notifications = feed.after(position, batch_size, until)
        if not notifications:
            break
        position = apply_batch(notifications)
        if len(notifications) < batch_size:
            break
    return position
