"""One endpoint following the event store: the events after its tracked
position join its queue, as feed items (``build_page``), while there is room.

The runner is the only process moving the position forwards, so the follower
keeps the position and the queue's size in memory between looks; a replay
moving the position back is noticed when the queue refuses the next batch
(or at the next ``forget``), and the position is read again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum

from eventsourcing.persistence import Notification

from application.feed_items import build_page
from application.webhook_delivery import render_body
from application.webhooks import WebhookEndpoint
from domain.appointment import Appointment
from infrastructure.webhooks.queue import NewEvent
from infrastructure.webhooks.runner_parts import HistoryOf, RunnerParts


class Followed(Enum):
    CAUGHT_UP = "caught_up"
    FULL = "full"
    """The queue holds ``max_pending`` events: look again once some leave."""
    GONE = "gone"
    """The endpoint was deleted."""


class EndpointFeed:
    def __init__(
        self, endpoint: Callable[[], WebhookEndpoint], parts: RunnerParts
    ) -> None:
        self.endpoint = endpoint
        self.parts = parts
        self._position: int | None = None
        self._pending = 0

    def forget(self) -> None:
        """Read the position and the queue's size again at the next look."""
        self._position = None

    def left_queue(self, events: int) -> None:
        self._pending -= events

    def queue_new_events(self, keep_going: Callable[[], bool]) -> Followed:
        """Queue what the feed holds after the position, as room allows."""
        parts, endpoint_id = self.parts, self.endpoint().id
        while keep_going():
            if self._position is None:
                self._position, self._pending = parts.queue.state(endpoint_id)
            if self._position is None:
                return Followed.GONE
            room = parts.timings.max_pending - self._pending
            if room <= 0:
                return Followed.FULL
            limit = min(room, parts.timings.batch_size)
            notifications = parts.feed.after(self._position, limit)
            if notifications:
                self._queue(endpoint_id, notifications)
            if len(notifications) < limit:
                return Followed.CAUGHT_UP
        return Followed.CAUGHT_UP

    def _queue(self, endpoint_id: str, notifications: Sequence[Notification]) -> None:
        endpoint, expected = self.endpoint(), self._position
        if expected is None:
            return
        page = build_page(
            notifications,
            len(notifications),
            self.parts.feed.mapper,
            self._histories(notifications),
        )
        events = [
            NewEvent(item["id"], item["appointment"], render_body(item))
            for item in page.items
            if endpoint.wants(item["type"])
        ]
        found, added = self.parts.queue.enqueue(
            endpoint_id,
            expected_position=expected,
            events=events,
            up_to=notifications[-1].id,
            now_ms=self.parts.clock.now_ms(),
        )
        if found == expected:
            self._position = notifications[-1].id
            self._pending += added
        else:
            self._position = None  # moved back by a replay, or deleted

    def _histories(self, notifications: Sequence[Notification]) -> HistoryOf:
        """Each appointment's events up to the batch's last: from the batch
        itself when it holds the appointment's creation (then it holds every
        version up to its last one there), else from the event store."""
        in_batch: dict[str, list[Appointment.Event]] = {}
        for notification in notifications:
            event = self.parts.feed.mapper.to_domain_event(notification)
            if isinstance(event, Appointment.Event):
                in_batch.setdefault(event.originator_id, []).append(event)

        def history_of(appointment_id: str) -> Sequence[Appointment.Event]:
            events = in_batch.get(appointment_id, [])
            if events and events[0].originator_version == 1:
                return events
            return self.parts.history_of(appointment_id)

        return history_of
