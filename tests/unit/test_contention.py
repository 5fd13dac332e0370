"""Writers of one appointment take turns; retries are spaced and bounded in time."""

from __future__ import annotations

import gc
import threading
from itertools import islice

from application.contention import (
    FIRST_PAUSE_SECONDS,
    LONGEST_PAUSE_SECONDS,
    RetryBudget,
    WriterLocks,
)


class FakeTime:
    """A clock that moves only when slept on; jitter takes the ceiling."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds

    def budget(self, seconds: float) -> RetryBudget:
        return RetryBudget(
            seconds,
            sleep=self.sleep,
            monotonic=lambda: self.now,
            jitter=lambda low, high: high,
        )


def test_a_budget_of_nothing_allows_one_attempt() -> None:
    time = FakeTime()

    assert list(time.budget(0).attempts()) == [1]
    assert time.pauses == []


def test_pauses_double_up_to_a_ceiling_and_end_within_the_budget() -> None:
    time = FakeTime()

    attempts = list(time.budget(2.0).attempts())

    assert attempts == list(range(1, len(attempts) + 1))
    assert time.pauses[:3] == [
        FIRST_PAUSE_SECONDS,
        FIRST_PAUSE_SECONDS * 2,
        FIRST_PAUSE_SECONDS * 4,
    ]
    assert max(time.pauses) == LONGEST_PAUSE_SECONDS
    assert sum(time.pauses) <= 2.0
    assert sum(time.pauses) + LONGEST_PAUSE_SECONDS > 2.0


def test_pauses_are_drawn_below_the_ceiling() -> None:
    drawn: list[tuple[float, float]] = []

    def jitter(low: float, high: float) -> float:
        drawn.append((low, high))
        return low

    budget = RetryBudget(10.0, sleep=lambda _: None, jitter=jitter)

    list(islice(budget.attempts(), 4))

    assert drawn == [
        (0.0, FIRST_PAUSE_SECONDS),
        (0.0, FIRST_PAUSE_SECONDS * 2),
        (0.0, FIRST_PAUSE_SECONDS * 4),
    ]


def test_writers_of_one_appointment_take_turns() -> None:
    locks = WriterLocks()
    inside: list[int] = []
    most_inside = 0
    guard = threading.Lock()

    def write(n: int) -> None:
        nonlocal most_inside
        with locks.hold("appt_one"):
            with guard:
                inside.append(n)
                most_inside = max(most_inside, len(inside))
            threading.Event().wait(0.001)
            with guard:
                inside.remove(n)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert most_inside == 1


def test_writers_of_other_appointments_do_not_wait() -> None:
    locks = WriterLocks()
    entered = threading.Event()

    def write_another() -> None:
        with locks.hold("appt_two"):
            entered.set()

    with locks.hold("appt_one"):
        thread = threading.Thread(target=write_another)
        thread.start()
        assert entered.wait(5)
    thread.join()


def test_a_lock_is_forgotten_once_nobody_holds_it() -> None:
    locks = WriterLocks()

    for n in range(100):
        with locks.hold(f"appt_{n}"):
            assert len(locks) >= 1
    gc.collect()

    assert len(locks) == 0
