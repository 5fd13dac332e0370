"""A person's calendar feed, planned from their appointments (CONTRACT section 12).

Each appointment becomes one event, with its ``UID`` stable for life. A
series becomes one event with its rule; each occurrence with a history of its
own (``docs/recurring.md``) is either

- an override of the series' event (same ``UID``, ``RECURRENCE-ID`` its
  original start), when the person takes part and it is not cancelled;
- an exception date (``EXDATE``) of the series' event, when it is cancelled
  or the person no longer takes part;
- an event of its own, when the rule no longer has its original start (the
  series was split after it) or the person takes part only in it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Protocol

from application.queries import AppointmentState
from application.recurrence import Series
from domain.occurrences import is_occurrence, is_series
from domain.values import Document

FEED_FORMAT = "1"
"""Part of every feed's ETag: bump it when the rendering changes."""


class CalendarSource(Protocol):
    def appointments_of(self, user: str) -> list[AppointmentState]:
        """The user's appointments (host or attendee), and every occurrence
        with a history of its own of their series."""
        ...


@dataclass(frozen=True)
class CalendarEvent:
    """One ``VEVENT``: ``uid`` is the id its UID is made of."""

    uid: str
    state: AppointmentState
    rule: str | None = None
    exdates: tuple[int, ...] = ()
    recurrence_id: int | None = None
    timezone: str | None = None

    @property
    def document(self) -> Document:
        return self.state.document


@dataclass
class SeriesPlan:
    state: AppointmentState
    starts: frozenset[int]
    exdates: list[int] = field(default_factory=list)


def takes_part(document: Document, user: str) -> bool:
    return document["host"] == user or any(
        attendee["id"] == user for attendee in document["attendees"]
    )


def plan_feed(states: Sequence[AppointmentState], user: str) -> list[CalendarEvent]:
    """The feed's events, series first with their overrides, in id order."""
    series = {
        s.document["id"]: SeriesPlan(s, frozenset(Series.of(s.document).starts()))
        for s in states
        if is_series(s.document) and takes_part(s.document, user)
    }
    events: list[CalendarEvent] = []
    for state in states:
        document = state.document
        if is_series(document):
            continue
        if not is_occurrence(document):
            if takes_part(document, user):
                events.append(CalendarEvent(document["id"], state))
            continue
        events.extend(place_occurrence(state, series, user))
    return [*(master(plan) for plan in series.values()), *events]


def place_occurrence(
    state: AppointmentState, series: dict[str, SeriesPlan], user: str
) -> list[CalendarEvent]:
    recurring = state.document["recurring"]
    plan = series.get(recurring["series"])
    original = recurring["original_start_time"]
    if plan is None or original not in plan.starts:
        return (
            [CalendarEvent(state.document["id"], state)]
            if takes_part(state.document, user)
            else []
        )
    if state.document["status"] == "cancelled" or not takes_part(state.document, user):
        plan.exdates.append(original)
        return []
    return [
        CalendarEvent(
            recurring["series"],
            state,
            recurrence_id=original,
            timezone=recurring["timezone"],
        )
    ]


def master(plan: SeriesPlan) -> CalendarEvent:
    document = plan.state.document
    return CalendarEvent(
        document["id"],
        plan.state,
        rule=feed_rule(document),
        exdates=tuple(sorted(plan.exdates)),
        timezone=document["recurring"]["timezone"],
    )


def feed_rule(series: Document) -> str:
    """The series' rule as sent, or, when the service's caps end it before
    the rule does (1,000 occurrences, or 2101), the rule with that ``COUNT``."""
    text = series["recurring"]["rule"].removeprefix("RRULE:")
    expanded = Series.of(series)
    count = sum(1 for _ in expanded.starts())
    if sum(1 for _ in islice(expanded.rule, count + 1)) == count:
        return str(text)
    kept = [p for p in text.split(";") if not p.startswith(("COUNT=", "UNTIL="))]
    return ";".join([*kept, f"COUNT={count}"])


def feed_etag(states: Sequence[AppointmentState], user: str, host: str) -> str:
    """The feed is a function of its appointments' ids and versions, the user
    and the UID host name: so is its ETag."""
    digest = hashlib.sha256(f"{FEED_FORMAT}\n{user}\n{host}".encode())
    for state in sorted(states, key=lambda s: s.document["id"]):
        digest.update(f"\n{state.document['id']}:{state.version}".encode())
    return f'"{digest.hexdigest()[:32]}"'
