"""Recurring series: RFC 5545 rules parsed and expanded with ``python-dateutil``.

Expansion happens in the series' time zone, so a 09:00 weekly appointment
stays at 09:00 local time across daylight-saving changes. A rule with neither
``COUNT`` nor ``UNTIL`` is capped at ``MAX_OCCURRENCES`` occurrences, and no
occurrence ends at or after 2101-01-01.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from domain.draft import AppointmentDraft
from domain.errors import InvalidAppointment
from domain.ids import parse_occurrence_id
from domain.occurrences import is_series, occurrence_document, occurrence_ids_from
from domain.values import LATEST_END_MS, Document

MAX_OCCURRENCES = 1000
MAX_SPLITS_FOLLOWED = 100
"""How many later parts of a split series an occurrence lookup follows."""
ALLOWED_FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY"})
ALLOWED_PARTS = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "WKST"}
)
RULE_PARAM = "recurring.rule"


@dataclass(frozen=True)
class Series:
    """A series' rule, anchored at its first start, with each occurrence's length."""

    rule: rrule
    start_time: int
    duration: int

    @classmethod
    def of(cls, document: Document) -> Series:
        recurring = document["recurring"]
        zone = ZoneInfo(recurring["timezone"])
        return cls(
            rule=parse_rule(
                recurring["rule"], start_time=document["start_time"], zone=zone
            ),
            start_time=document["start_time"],
            duration=document["end_time"] - document["start_time"],
        )

    def starts(self) -> Iterator[int]:
        """Every occurrence's original start, in order, within the caps."""
        for occurrence in islice(self.rule, MAX_OCCURRENCES):
            start = to_ms(occurrence)
            if start + self.duration >= LATEST_END_MS:
                return
            yield start

    def starts_between(self, gte: int | None, lt: int | None) -> list[int]:
        starts: list[int] = []
        for start in self.starts():
            if lt is not None and start >= lt:
                break
            if gte is None or start >= gte:
                starts.append(start)
        return starts

    def has_start(self, start: int) -> bool:
        return start in self.starts_between(start, start + 1)

    def last_end(self) -> int:
        last = self.start_time
        for last in self.starts():  # noqa: B007 (only the last one matters)
            pass
        return last + self.duration

    def count_before(self, start: int) -> int:
        return len(self.starts_between(None, start))

    def first_start_after(self, at: int) -> int | None:
        """The first occurrence that starts after ``at`` (ms), if any."""
        return next((start for start in self.starts() if start > at), None)


def parse_rule(text: str, *, start_time: int, zone: ZoneInfo) -> rrule:
    """The rule's occurrences from ``start_time`` in ``zone``; 400 if unusable."""
    parts = rule_parts(text)
    check_bounds(parts)
    dtstart = datetime.fromtimestamp(start_time / 1000, tz=UTC).astimezone(zone)
    try:
        rule = rrulestr(text, dtstart=dtstart)
    except (ValueError, TypeError) as error:
        raise InvalidAppointment(
            f"'recurring.rule' is not usable: {error}", RULE_PARAM
        ) from None
    if not isinstance(rule, rrule) or parts["FREQ"] not in ALLOWED_FREQUENCIES:
        raise InvalidAppointment(
            "'recurring.rule' must have FREQ=DAILY, WEEKLY or MONTHLY.", RULE_PARAM
        )
    return rule


def rule_parts(text: str) -> dict[str, str]:
    body = text.removeprefix("RRULE:")
    if not body or "\n" in body or "\x00" in body:
        raise InvalidAppointment("'recurring.rule' must be one RRULE line.", RULE_PARAM)
    parts: dict[str, str] = {}
    for item in body.split(";"):
        name, _, value = item.partition("=")
        if name not in ALLOWED_PARTS or not value or name in parts:
            raise InvalidAppointment(
                f"'recurring.rule' may use {', '.join(sorted(ALLOWED_PARTS))}, "
                f"each once (got {name!r}).",
                RULE_PARAM,
            )
        parts[name] = value
    if "FREQ" not in parts:
        raise InvalidAppointment("'recurring.rule' needs FREQ.", RULE_PARAM)
    return parts


def check_bounds(parts: dict[str, str]) -> None:
    if "COUNT" in parts and "UNTIL" in parts:
        raise InvalidAppointment(
            "'recurring.rule' takes COUNT or UNTIL, not both.", RULE_PARAM
        )
    for name, highest in (("COUNT", MAX_OCCURRENCES), ("INTERVAL", 366)):
        if name in parts and not (
            parts[name].isdigit() and 1 <= int(parts[name]) <= highest
        ):
            raise InvalidAppointment(
                f"'recurring.rule' {name} must be from 1 to {highest}.", RULE_PARAM
            )


def check_series(document: Document) -> None:
    """A new series' rule must parse, and its first occurrence is its start."""
    series = Series.of(document)
    first = next(series.starts(), None)
    if first != document["start_time"]:
        raise InvalidAppointment(
            "'start_time' must be the series' first occurrence under its rule.",
            "start_time",
        )


def rule_until(text: str, before: int) -> str:
    """The rule ending just before ``before`` (ms): UNTIL one second earlier."""
    until = datetime.fromtimestamp((before - 1000) / 1000, tz=UTC)
    kept = [
        p
        for p in text.removeprefix("RRULE:").split(";")
        if not p.startswith(("COUNT=", "UNTIL="))
    ]
    return ";".join([*kept, "UNTIL=" + until.strftime("%Y%m%dT%H%M%SZ")])


def rule_from(text: str, already: int) -> str:
    """The rule of a series' remainder when ``already`` occurrences came before."""
    parts = text.removeprefix("RRULE:").split(";")
    adjusted = [
        f"COUNT={int(p.removeprefix('COUNT=')) - already}"
        if p.startswith("COUNT=")
        else p
        for p in parts
    ]
    return ";".join(adjusted)


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def continuation(
    series: Document,
    original: int,
    start_time: int,
    end_time: int,
    changed_by: str,
    *,
    keep_ids: bool = False,
) -> AppointmentDraft:
    """The new series that takes over ``series`` from its occurrence at
    ``original``, moved to ``start_time``/``end_time``. It continues where
    ``series`` continued (a split keeps the chain of parts in time order);
    with ``keep_ids`` its occurrences keep the ids they had in ``series``."""
    recurring = series["recurring"]
    already = Series.of(series).count_before(original)
    taken_over = {
        "is_recurring": True,
        "rule": rule_from(recurring["rule"], already),
        "timezone": recurring["timezone"],
        "split_from": series["id"],
    }
    if "continued_by" in recurring:
        taken_over["continued_by"] = recurring["continued_by"]
    if keep_ids:
        taken_over["occurrence_ids_from"] = occurrence_ids_from(series)
    return replace(
        AppointmentDraft.of(series, created_by=changed_by),
        start_time=start_time,
        end_time=end_time,
        recurring=taken_over,
    )


def find_occurrence(
    occurrence_id: str, load_series: Callable[[str], Document | None]
) -> Document | None:
    """The occurrence an id names, as its series shows it, else ``None``.

    The one lookup behind every read and write of a virtual occurrence, so a
    GET and a PATCH can never disagree on whether an occurrence exists.
    ``load_series`` returns a stored appointment's document, or ``None``.
    An occurrence its series no longer holds may be held, under the same id,
    by a later part of the split series (``continued_by``).
    """
    parsed = parse_occurrence_id(occurrence_id)
    if parsed is None:
        return None
    ids_from, start = parsed
    series = load_series(ids_from)
    for _ in range(MAX_SPLITS_FOLLOWED):
        if series is None or not is_series(series):
            return None
        if occurrence_ids_from(series) == ids_from and Series.of(series).has_start(
            start
        ):
            return occurrence_document(series, start)
        successor = series["recurring"].get("continued_by")
        series = None if successor is None else load_series(successor)
    return None
