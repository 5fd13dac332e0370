"""What the calendar tests share: a feed URL, and the feed parsed back."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from icalendar import Calendar, Event

CALENDAR_HOST = "calendar.clinic.example"


def feed_url(client: TestClient, user: str) -> str:
    response = client.post("/v1/calendar_feeds", json={"user": user})
    assert response.status_code == 201, response.text
    url: str = response.json()["url"]
    return url


def parsed_feed(client: TestClient, user: str) -> Calendar:
    response = client.get(feed_url(client, user))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> list[Event]:
    return list(calendar.walk("VEVENT"))


def by_uid(calendar: Calendar, appointment_id: str) -> list[Event]:
    uid = f"{appointment_id}@{CALENDAR_HOST}"
    return [event for event in events(calendar) if str(event["uid"]) == uid]


def decoded(event: Event, name: str) -> Any:
    return event.decoded(name)
