"""The calendar feed's pure parts: the rule a feed shows, and its ETag."""

from __future__ import annotations

from typing import Any

import pytest

from application.calendar import feed_etag, feed_rule
from application.queries import AppointmentState
from infrastructure.settings import SettingsError, load_settings

MONDAY = 1_767_603_600_000  # 2026-01-05T09:00:00Z
HOUR = 3_600_000


def series(rule: str, start: int = MONDAY) -> dict[str, Any]:
    return {
        "id": "appt_00000000000000000001",
        "start_time": start,
        "end_time": start + HOUR,
        "recurring": {"is_recurring": True, "rule": rule, "timezone": "UTC"},
    }


@pytest.mark.parametrize(
    ("rule", "shown"),
    [
        ("FREQ=WEEKLY;COUNT=3", "FREQ=WEEKLY;COUNT=3"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3", "FREQ=WEEKLY;BYDAY=MO;COUNT=3"),
        ("FREQ=DAILY;UNTIL=20260110T090000Z", "FREQ=DAILY;UNTIL=20260110T090000Z"),
        ("FREQ=DAILY", "FREQ=DAILY;COUNT=1000"),
        ("FREQ=DAILY;UNTIL=20991231T000000Z", "FREQ=DAILY;COUNT=1000"),
    ],
)
def test_a_feed_shows_the_rule_or_the_services_cap(rule: str, shown: str) -> None:
    assert feed_rule(series(rule)) == shown


def test_a_rule_cut_short_by_2101_shows_the_count_it_keeps() -> None:
    start = 4_133_289_600_000  # 2100-12-24T00:00:00Z
    assert feed_rule(series("FREQ=DAILY;COUNT=30", start)) == "FREQ=DAILY;COUNT=8"


def test_the_etag_follows_ids_versions_user_and_host() -> None:
    one = [AppointmentState({"id": "appt_a"}, 1), AppointmentState({"id": "appt_b"}, 2)]
    moved = [AppointmentState({"id": "appt_a"}, 2), one[1]]

    assert feed_etag(one, "u", "h") == feed_etag(list(reversed(one)), "u", "h")
    assert (
        len(
            {
                feed_etag(one, "u", "h"),
                feed_etag(moved, "u", "h"),
                feed_etag(one, "v", "h"),
                feed_etag(one, "u", "i"),
                feed_etag(one[:1], "u", "h"),
            }
        )
        == 5
    )


@pytest.mark.parametrize(
    ("setting", "value"),
    [("calendar_host", "not a host"), ("public_url", "ftp://example.com")],
)
def test_invalid_calendar_settings_name_their_variable(
    setting: str, value: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(**{setting: value})
    assert str(refused.value).startswith(f"APPOINTMENTS_{setting.upper()}:")
