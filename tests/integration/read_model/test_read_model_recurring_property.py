"""For any series, exceptions and window: every listed occurrence lies in the
window and matches the rule minus its exceptions, and paging through the
window yields each occurrence exactly once, in order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.queries import ListQuery
from application.recurrence import Series
from domain.ids import occurrence_id
from infrastructure.bootstrap import Container
from tests.builders import a_draft

HOUR = 3_600_000
DAY = 24 * HOUR
START = 1_767_603_600_000  # 2026-01-05T09:00:00Z
HOSTS = count()


@dataclass(frozen=True)
class Scenario:
    rule: str
    moves: dict[int, int] = field(default_factory=dict)  # occurrence -> hours
    cancels: frozenset[int] = frozenset()
    window: tuple[int, int] = (0, 1)  # days from START: first, length
    limit: int = 3


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    frequency = draw(st.sampled_from(["DAILY", "WEEKLY"]))
    interval = draw(st.integers(1, 3))
    occurrences = draw(st.integers(1, 10))
    indexes = st.integers(0, occurrences - 1)
    return Scenario(
        rule=f"FREQ={frequency};INTERVAL={interval};COUNT={occurrences}",
        moves=draw(st.dictionaries(indexes, st.integers(-72, 72), max_size=3)),
        cancels=frozenset(draw(st.sets(indexes, max_size=3))),
        window=(draw(st.integers(-3, 60)), draw(st.integers(1, 90))),
        limit=draw(st.integers(1, 5)),
    )


@pytest.fixture
def running(container: Container) -> Iterator[Container]:
    container.start_projections()
    yield container
    container.stop_projections()


def page_through(container: Container, query: ListQuery) -> list[dict[str, object]]:
    seen: list[dict[str, object]] = []
    while True:
        page = container.read_model.list(query)
        seen.extend(page.data)
        if not page.has_more:
            return seen
        query = ListQuery(**{**query.__dict__, "starting_after": page.data[-1]["id"]})


def apply_exceptions(container: Container, series_id: str, scenario: Scenario) -> int:
    starts = container.app.get(series_id).document
    originals = Series.of(starts).starts_between(None, None)
    position = 0
    for index, hours in scenario.moves.items():
        original = originals[index]
        written = container.app.reschedule(
            occurrence_id(series_id, original),
            start_time=original + hours * HOUR,
            end_time=original + hours * HOUR + HOUR,
            changed_by="tester",
            allow_overlap=True,  # a move may land on a sibling occurrence
        )
        position = max(position, written.position or 0)
    for index in scenario.cancels:
        written = container.app.change_status(
            occurrence_id(series_id, originals[index]),
            status="cancelled",
            changed_by="tester",
        )
        position = max(position, written.position or 0)
    return position


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(scenario=scenarios())
def test_windowed_lists_show_each_occurrence_once(
    running: Container, scenario: Scenario
) -> None:
    host = f"host_{next(HOSTS)}"
    recurring = {"is_recurring": True, "rule": scenario.rule, "timezone": "UTC"}
    draft = a_draft(
        host=host, start_time=START, end_time=START + HOUR, recurring=recurring
    )
    created = running.app.schedule(draft)
    series_id = created.document["id"]
    position = max(
        created.position or 0, apply_exceptions(running, series_id, scenario)
    )
    assert running.read_model.wait_for(position, timeout=10)
    gte = START + scenario.window[0] * DAY
    lt = gte + scenario.window[1] * DAY

    listed = page_through(
        running,
        ListQuery(
            limit=scenario.limit, host=host, start_time_gte=gte, start_time_lt=lt
        ),
    )

    originals = Series.of(created.document).starts_between(None, None)
    effective = {
        occurrence_id(series_id, s): s + scenario.moves.get(i, 0) * HOUR
        for i, s in enumerate(originals)
    }
    expected = sorted((t, i) for i, t in effective.items() if gte <= t < lt)
    assert [(o["start_time"], o["id"]) for o in listed] == expected
    cancelled = {occurrence_id(series_id, originals[i]) for i in scenario.cancels}
    for item in listed:
        assert (item["status"] == "cancelled") == (item["id"] in cancelled)
