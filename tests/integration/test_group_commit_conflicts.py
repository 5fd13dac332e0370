"""Refused bookings inside shared group commits: every other save of the
group is stored and answered as stored; only the double booking is refused."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from domain.errors import ScheduleConflict
from infrastructure.bootstrap import Container
from tests.builders import a_draft

HOSTS = 12
RIVALS = 3


def test_each_slot_goes_to_one_rival_and_the_others_are_not_spoiled(
    container: Container,
) -> None:
    def book(index: int) -> str:
        host = f"host_{index % HOSTS}"
        draft = a_draft(host=host, attendees=[f"patient_{index}"], allow_overlap=False)
        try:
            return container.app.schedule(draft).document["host"]
        except ScheduleConflict as refused:
            return "refused" if [c.user for c in refused.conflicts] == [host] else "?"

    with ThreadPoolExecutor(HOSTS * RIVALS) as pool:
        outcomes = Counter(pool.map(book, range(HOSTS * RIVALS)))

    assert outcomes["refused"] == HOSTS * (RIVALS - 1)
    assert {h: n for h, n in outcomes.items() if h != "refused"} == {
        f"host_{n}": 1 for n in range(HOSTS)
    }
    assert container.app.head_position() == HOSTS
