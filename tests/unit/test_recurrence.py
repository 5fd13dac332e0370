"""Series expansion: in the series' time zone, across DST, with COUNT, UNTIL,
BYDAY and INTERVAL, and the rules a series' rule must follow."""

from datetime import datetime
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from application.recurrence import (
    MAX_OCCURRENCES,
    Series,
    check_series,
    rule_from,
    rule_until,
)
from domain.errors import InvalidAppointment

HOUR = 3_600_000


def ms(zone: str, *parts: int) -> int:
    return int(datetime(*parts, tzinfo=ZoneInfo(zone)).timestamp() * 1000)  # type: ignore[misc]


def series(rule: str, zone: str, start: int, duration: int = HOUR) -> dict[str, Any]:
    return {
        "start_time": start,
        "end_time": start + duration,
        "recurring": {"is_recurring": True, "rule": rule, "timezone": zone},
    }


def local_times(zone: str, starts: list[int]) -> list[tuple[int, int, int, int]]:
    tz = ZoneInfo(zone)
    return [
        (d.month, d.day, d.hour, d.minute)
        for d in (datetime.fromtimestamp(s / 1000, tz) for s in starts)
    ]


@pytest.mark.parametrize(
    ("zone", "first", "days"),
    [
        # US clocks go forward on 2026-03-08, back on 2026-11-01.
        pytest.param(
            "America/New_York", (2026, 3, 2, 9, 0), (2, 9, 16), id="new-york-spring"
        ),
        pytest.param(
            "America/New_York", (2026, 10, 26, 9, 0), (26, 2, 9), id="new-york-autumn"
        ),
        # EU clocks go forward on 2026-03-29, back on 2026-10-25.
        pytest.param(
            "Europe/Berlin", (2026, 3, 23, 9, 0), (23, 30, 6), id="berlin-spring"
        ),
        pytest.param(
            "Australia/Sydney", (2026, 3, 30, 9, 0), (30, 6, 13), id="sydney-autumn"
        ),
    ],
)
def test_a_weekly_series_keeps_its_local_time_across_dst(
    zone: str, first: tuple[int, ...], days: tuple[int, ...]
) -> None:
    start = ms(zone, *first)

    starts = Series.of(series("FREQ=WEEKLY;COUNT=3", zone, start)).starts_between(
        None, None
    )

    assert [(day, hour) for _, day, hour, _ in local_times(zone, starts)] == [
        (day, 9) for day in days
    ]
    offsets = {b - a for a, b in pairwise(starts)}
    assert offsets != {7 * 24 * HOUR}  # the UTC gap changes across the switch


def test_count_limits_the_occurrences() -> None:
    start = ms("UTC", 2026, 1, 5, 9, 0)

    starts = Series.of(series("FREQ=DAILY;COUNT=4", "UTC", start)).starts_between(
        None, None
    )

    assert starts == [start + i * 24 * HOUR for i in range(4)]


def test_until_includes_an_occurrence_at_that_instant() -> None:
    start = ms("UTC", 2026, 1, 5, 9, 0)
    rule = "FREQ=DAILY;UNTIL=20260107T090000Z"

    starts = Series.of(series(rule, "UTC", start)).starts_between(None, None)

    assert len(starts) == 3


def test_byday_with_interval_skips_weeks() -> None:
    start = ms("Europe/Berlin", 2026, 1, 5, 9, 0)  # a Monday
    rule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=6"

    starts = Series.of(series(rule, "Europe/Berlin", start)).starts_between(None, None)

    assert [d for _, d, _, _ in local_times("Europe/Berlin", starts)] == [
        5,
        8,
        19,
        22,
        2,
        5,
    ]


def test_a_rule_without_an_end_is_capped() -> None:
    start = ms("UTC", 2026, 1, 5, 9, 0)

    starts = list(Series.of(series("FREQ=DAILY", "UTC", start)).starts())

    assert len(starts) == MAX_OCCURRENCES


def test_no_occurrence_ends_in_2101_or_later() -> None:
    start = ms("UTC", 2100, 12, 29, 9, 0)

    starts = list(Series.of(series("FREQ=DAILY", "UTC", start)).starts())

    assert len(starts) == 3


def test_the_window_is_start_inclusive_and_end_exclusive() -> None:
    start = ms("UTC", 2026, 1, 5, 9, 0)
    day = 24 * HOUR
    daily = Series.of(series("FREQ=DAILY;COUNT=10", "UTC", start))

    assert daily.starts_between(start + day, start + 3 * day) == [
        start + day,
        start + 2 * day,
    ]


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param("FREQ=YEARLY", id="yearly"),
        pytest.param("FREQ=HOURLY", id="hourly"),
        pytest.param("FREQ=DAILY;COUNT=2;UNTIL=20270101T000000Z", id="count-and-until"),
        pytest.param("FREQ=DAILY;UNTIL=20270101T000000", id="floating-until"),
        pytest.param("FREQ=DAILY;COUNT=0", id="zero-count"),
        pytest.param("FREQ=DAILY;COUNT=1001", id="count-over-cap"),
        pytest.param("FREQ=DAILY;BYHOUR=9", id="unsupported-part"),
        pytest.param("INTERVAL=2", id="no-freq"),
        pytest.param("FREQ=DAILY;FREQ=WEEKLY", id="repeated-part"),
        pytest.param("FREQ=WEEKLY;BYDAY=XX", id="bad-day"),
        pytest.param("DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY", id="two-lines"),
    ],
)
def test_refuses_a_rule_it_cannot_honour(rule: str) -> None:
    with pytest.raises(InvalidAppointment) as raised:
        check_series(series(rule, "UTC", ms("UTC", 2026, 1, 5, 9, 0)))

    assert raised.value.param == "recurring.rule"


def test_the_start_must_be_the_first_occurrence() -> None:
    tuesday = ms("UTC", 2026, 1, 6, 9, 0)

    with pytest.raises(InvalidAppointment) as raised:
        check_series(series("FREQ=WEEKLY;BYDAY=MO", "UTC", tuesday))

    assert raised.value.param == "start_time"


def test_a_split_rule_ends_just_before_the_split_and_the_rest_continues() -> None:
    start = ms("UTC", 2026, 1, 5, 9, 0)
    day = 24 * HOUR
    text = "FREQ=DAILY;COUNT=5"

    before = Series.of(series(rule_until(text, start + 2 * day), "UTC", start))
    after = Series.of(series(rule_from(text, 2), "UTC", start + 2 * day))

    assert before.starts_between(None, None) == [start, start + day]
    assert len(after.starts_between(None, None)) == 3
