"""A calendar feed rendered as RFC 5545 text with the ``icalendar`` package.

Single appointments are in UTC. A series, and the overrides and exception
dates of its occurrences, are in the series' time zone (``TZID``), with a
``VTIMEZONE`` for it covering every date the feed uses, so a 09:00 weekly
session stays at 09:00 local time across daylight-saving changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from application.calendar import CalendarEvent
from application.recurrence import Series

PRODID = "-//Appointments//Calendar feed 1//EN"
MEDIA_TYPE = "text/calendar; charset=utf-8"


def render_feed(events: Sequence[CalendarEvent], *, user: str, host: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Appointments: {user}")
    for each in events:
        calendar.add_component(vevent(each, host))
    first, last = zone_span(events)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    return bytes(calendar.to_ical())


def vevent(event: CalendarEvent, host: str) -> Event:
    document = event.document
    zone: tzinfo = ZoneInfo(event.timezone) if event.timezone else UTC
    component = Event()
    component.add("uid", f"{event.uid}@{host}")
    component.add("dtstamp", moment(document["last_updated_at"], UTC))
    component.add("created", moment(document["created_at"], UTC))
    component.add("last-modified", moment(document["last_updated_at"], UTC))
    component.add("sequence", max(event.state.version - 1, 0))
    component.add("summary", document["name"])
    component.add("dtstart", moment(document["start_time"], zone))
    component.add("dtend", moment(document["end_time"], zone))
    component.add(
        "status", "CANCELLED" if document["status"] == "cancelled" else "CONFIRMED"
    )
    if event.rule is not None:
        component.add("rrule", vRecur.from_ical(event.rule))
    if event.exdates:
        component.add("exdate", [moment(ms, zone) for ms in event.exdates])
    if event.recurrence_id is not None:
        component.add("recurrence-id", moment(event.recurrence_id, zone))
    add_place(component, document)
    return component


def add_place(component: Event, document: dict[str, object]) -> None:
    description = str(document["description"])
    video = document["video_call"]
    if isinstance(video, dict):
        join_url = str(video["join_url"])
        component.add("url", join_url)
        component.add("location", join_url)
        description = f"{description}\n\nJoin: {join_url}".lstrip()
    location = document["location"]
    if isinstance(location, dict):
        parts = (location.get("name"), location.get("address"), location.get("room"))
        component.add("location", ", ".join(str(p) for p in parts if p))
    component.add("description", description)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def moment(ms: int, zone: tzinfo) -> datetime:
    return (EPOCH + timedelta(milliseconds=ms)).astimezone(zone)


def zone_span(events: Sequence[CalendarEvent]) -> tuple[date, date]:
    """The dates a ``VTIMEZONE`` must cover: every zoned event's span."""
    zoned = [e for e in events if e.timezone]
    if not zoned:
        return date(1970, 1, 1), date(1970, 1, 2)
    starts = [
        min(e.document["start_time"], e.recurrence_id or e.document["start_time"])
        for e in zoned
    ]
    ends = [last_end(e) for e in zoned]
    day = timedelta(days=1)
    return moment(min(starts), UTC).date() - day, moment(max(ends), UTC).date() + day


def last_end(event: CalendarEvent) -> int:
    if event.rule is not None:
        return Series.of(event.document).last_end()
    return int(event.document["end_time"])
