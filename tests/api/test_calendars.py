"""``GET /v1/calendars/{user}.ics``: the feed parsed back with ``icalendar``
and checked field by field."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from fastapi.testclient import TestClient
from httpx import Response

from infrastructure.settings import Settings, load_settings
from tests.api.calendar_helpers import (
    CALENDAR_HOST,
    by_uid,
    decoded,
    events,
    parsed_feed,
)
from tests.api.conftest import HOUR, create

BERLIN = ZoneInfo("Europe/Berlin")
DAY = 24 * HOUR
MARCH_16 = 1_773_648_000_000  # 2026-03-16T08:00:00Z, a Monday: 09:00 in Berlin
WEEKLY_BERLIN = {
    "is_recurring": True,
    "rule": "FREQ=WEEKLY;COUNT=4",
    "timezone": "Europe/Berlin",
}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(database_url=database_url, calendar_host=CALENDAR_HOST)


def berlin(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=BERLIN)


def utc_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def reschedule(
    client: TestClient, appointment_id: str, to: datetime, **extra: str
) -> Response:
    """Move an appointment to ``to`` for an hour."""
    start = utc_ms(to)
    body = {"start_time": start, "end_time": start + HOUR, "changed_by": "desk"}
    return client.post(
        f"/v1/appointments/{appointment_id}/reschedule", json={**body, **extra}
    )


def test_a_berlin_series_across_summer_time_with_an_override_and_an_exception(
    client: TestClient,
) -> None:
    # Summer time starts 2026-03-29: the 09:00 sessions are at 08:00Z, then 07:00Z.
    series = create(
        client,
        start_time=MARCH_16,
        end_time=MARCH_16 + HOUR,
        recurring=WEEKLY_BERLIN,
    )
    second = f"{series['id']}_{utc_ms(berlin(3, 23, 9))}"
    third = f"{series['id']}_{utc_ms(berlin(3, 30, 9))}"
    cancel = client.post(
        f"/v1/appointments/{second}/status",
        json={"status": "cancelled", "changed_by": "desk"},
    )
    move = reschedule(client, third, berlin(3, 30, 11))
    assert (cancel.status_code, move.status_code) == (200, 200), move.text

    calendar = parsed_feed(client, "user_host")

    master, override = by_uid(calendar, series["id"])
    join_url = series["video_call"]["join_url"]
    assert decoded(master, "dtstart") == berlin(3, 16, 9)
    assert master["dtstart"].params["TZID"] == "Europe/Berlin"
    assert decoded(master, "dtend") == berlin(3, 16, 10)
    assert dict(master["rrule"]) == {"FREQ": ["WEEKLY"], "COUNT": [4]}
    assert [d.dt for d in master["exdate"].dts] == [berlin(3, 23, 9)]
    assert master["exdate"].params["TZID"] == "Europe/Berlin"
    assert "recurrence-id" not in master
    assert master["sequence"] == 0
    assert str(master["status"]) == "CONFIRMED"
    assert str(master["summary"]) == series["name"]
    assert str(master["url"]) == join_url
    assert str(master["description"]) == f"{series['description']}\n\nJoin: {join_url}"
    assert decoded(override, "recurrence-id") == berlin(3, 30, 9)
    assert override["recurrence-id"].params["TZID"] == "Europe/Berlin"
    assert decoded(override, "dtstart") == berlin(3, 30, 11)
    assert decoded(override, "dtend") == berlin(3, 30, 12)
    assert override["sequence"] == 1  # created as the series showed it, then moved
    assert str(override["status"]) == "CONFIRMED"
    assert "rrule" not in override
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/Berlin"
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    assert expanded_starts(master, override) == api_starts(client)


def expanded_starts(master: object, override: object) -> list[int]:
    """The sessions a calendar app shows: the rule, less the exception dates,
    with the override in place of the instance it replaces."""
    start = decoded(master, "dtstart")
    rule = rrulestr(master["rrule"].to_ical().decode(), dtstart=start)  # type: ignore[index]
    excluded = {d.dt for d in master["exdate"].dts}  # type: ignore[index]
    replaced = decoded(override, "recurrence-id")
    starts = [s for s in rule if s not in excluded and s != replaced]
    return sorted(utc_ms(s) for s in [*starts, decoded(override, "dtstart")])


def api_starts(client: TestClient) -> list[int]:
    window = {"start_time_gte": MARCH_16, "start_time_lt": MARCH_16 + 60 * DAY}
    listed = client.get("/v1/appointments", params=window).json()["data"]
    return sorted(o["start_time"] for o in listed if o["status"] != "cancelled")


def test_a_single_appointment_in_utc_and_a_cancelled_one(client: TestClient) -> None:
    kept = create(client)
    cancelled = create(
        client, start_time=kept["end_time"], end_time=kept["end_time"] + HOUR
    )
    client.post(
        f"/v1/appointments/{cancelled['id']}/status",
        json={"status": "cancelled", "changed_by": "desk"},
    )

    calendar = parsed_feed(client, "user_patient")

    (event,) = by_uid(calendar, kept["id"])
    assert decoded(event, "dtstart") == datetime.fromtimestamp(
        kept["start_time"] / 1000, UTC
    )
    assert decoded(event, "dtend") == datetime.fromtimestamp(
        kept["end_time"] / 1000, UTC
    )
    assert event["dtstart"].to_ical().endswith(b"Z")
    assert "rrule" not in event
    assert "exdate" not in event
    # iCalendar times have whole seconds.
    assert decoded(event, "dtstamp") == datetime.fromtimestamp(
        kept["last_updated_at"] // 1000, UTC
    )
    (gone,) = by_uid(calendar, cancelled["id"])
    assert str(gone["status"]) == "CANCELLED"
    assert gone["sequence"] == 1


def test_an_in_person_appointment_has_its_place_and_no_link(client: TestClient) -> None:
    visit = create(
        client,
        interaction_type="in_person",
        location={"name": "Clinic", "address": "1 Main St", "room": "4"},
    )

    (event,) = by_uid(parsed_feed(client, "user_host"), visit["id"])

    assert str(event["location"]) == "Clinic, 1 Main St, 4"
    assert "url" not in event
    assert str(event["description"]) == visit["description"]


def test_a_feed_shows_only_the_persons_appointments(client: TestClient) -> None:
    mine = create(client, attendees=["user_a"])
    create(
        client,
        attendees=["user_b"],
        start_time=mine["end_time"],
        end_time=mine["end_time"] + HOUR,
    )

    assert [str(e["uid"]) for e in events(parsed_feed(client, "user_a"))] == [
        f"{mine['id']}@{CALENDAR_HOST}"
    ]
    assert events(parsed_feed(client, "nobody")) == []


def test_an_attendee_removed_from_one_session_gets_an_exception_date(
    client: TestClient,
) -> None:
    series = create(
        client,
        group=True,
        attendees=["user_a", "user_b"],
        start_time=MARCH_16,
        end_time=MARCH_16 + HOUR,
        recurring=WEEKLY_BERLIN,
    )
    second = f"{series['id']}_{MARCH_16 + 7 * DAY}"
    changed = client.patch(
        f"/v1/appointments/{second}",
        json={"attendees": ["user_b"], "updated_by": "desk"},
    )
    assert changed.status_code == 200, changed.text

    (master_a,) = by_uid(parsed_feed(client, "user_a"), series["id"])
    master_b, override_b = by_uid(parsed_feed(client, "user_b"), series["id"])

    assert [d.dt for d in master_a["exdate"].dts] == [berlin(3, 23, 9)]
    assert "exdate" not in master_b
    assert decoded(override_b, "recurrence-id") == berlin(3, 23, 9)


def test_an_open_ended_rule_carries_the_services_cap(client: TestClient) -> None:
    daily = {"is_recurring": True, "rule": "RRULE:FREQ=DAILY", "timezone": "UTC"}
    series = create(
        client, start_time=MARCH_16, end_time=MARCH_16 + HOUR, recurring=daily
    )

    (event,) = by_uid(parsed_feed(client, "user_host"), series["id"])

    assert dict(event["rrule"]) == {"FREQ": ["DAILY"], "COUNT": [1000]}


def test_a_split_series_is_two_events_each_with_its_rule(
    client: TestClient,
) -> None:
    series = create(
        client, start_time=MARCH_16, end_time=MARCH_16 + HOUR, recurring=WEEKLY_BERLIN
    )
    third = f"{series['id']}_{utc_ms(berlin(3, 30, 9))}"
    remainder = reschedule(
        client, third, berlin(3, 30, 14), scope="this_and_following"
    ).json()

    calendar = parsed_feed(client, "user_host")

    (first,) = by_uid(calendar, series["id"])
    (second,) = by_uid(calendar, remainder["id"])
    assert first["rrule"]["UNTIL"][0] < berlin(3, 30, 9)
    assert decoded(second, "dtstart") == berlin(3, 30, 14)
    assert dict(second["rrule"]) == {"FREQ": ["WEEKLY"], "COUNT": [2]}
