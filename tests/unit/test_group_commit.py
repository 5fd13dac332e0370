"""Group commit: saves queued while one commits go together in the next
commit; a failed group is redone save by save, each with its own outcome."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from infrastructure.group_commit import GroupCommit, GroupRefused, PendingSave


class Store:
    """Records groups; the first commit waits until it is released."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []
        self.alone: list[str] = []
        self.first_started = threading.Event()
        self.release_first = threading.Event()
        self.next_id = 0
        self.refuse: set[str] = set()
        self.fail_groups = False

    def name(self, pending: PendingSave) -> str:
        return str(pending.kwargs["name"])

    def record_group(self, group: Sequence[PendingSave]) -> list[Sequence[int]]:
        names = [self.name(p) for p in group]
        if self.refuse & set(names):
            raise GroupRefused("one save of the group is refused")
        if self.fail_groups:
            raise ConnectionError("the connection was lost")
        self.groups.append(names)
        return [self.ids(1) for _ in group]

    def record_one(self, pending: PendingSave) -> Sequence[int]:
        if not self.first_started.is_set():
            self.first_started.set()
            self.release_first.wait(10)
        if self.name(pending) in self.refuse:
            raise ValueError(f"{self.name(pending)} refused")
        self.alone.append(self.name(pending))
        return self.ids(1)

    def ids(self, count: int) -> list[int]:
        self.next_id += count
        return list(range(self.next_id - count + 1, self.next_id + 1))


def save(commit: GroupCommit, name: str) -> Any:
    return commit.save([], {"name": name})


def test_saves_queued_during_a_commit_share_the_next_one() -> None:
    store = Store()
    commit = GroupCommit(store.record_group, store.record_one)
    with ThreadPoolExecutor(6) as pool:
        first = pool.submit(save, commit, "first")
        assert store.first_started.wait(10)
        others = [pool.submit(save, commit, f"s{i}") for i in range(5)]
        while len(commit._queue) < 5:
            threading.Event().wait(0.01)
        store.release_first.set()
        results = [first.result(10), *(f.result(10) for f in others)]

    assert store.alone == ["first"]
    assert store.groups == [[f"s{i}" for i in range(5)]]
    assert sorted(i for ids in results for i in ids) == list(range(1, 7))


def test_a_failed_group_is_redone_save_by_save() -> None:
    store = Store()
    store.first_started.set()
    store.refuse = {"bad"}
    commit = GroupCommit(store.record_group, store.record_one)
    group = [PendingSave([], {"name": n}) for n in ("good", "bad", "also good")]

    commit._commit(group)

    assert store.groups == []
    assert store.alone == ["good", "also good"]
    assert group[0].outcome() == [1]
    with pytest.raises(ValueError, match="bad refused"):
        group[1].outcome()
    assert group[2].outcome() == [2]


def test_a_group_that_fails_otherwise_fails_every_writer_and_redoes_nothing() -> None:
    store = Store()
    store.first_started.set()
    store.fail_groups = True
    heard: list[int] = []
    commit = GroupCommit(
        store.record_group, store.record_one, lambda g, _: heard.append(len(g))
    )
    group = [PendingSave([], {"name": n}) for n in ("one", "two")]

    with pytest.raises(ConnectionError):
        commit._commit(group)

    assert store.alone == []
    assert heard == []
    for pending in group:
        with pytest.raises(ConnectionError, match="lost"):
            pending.outcome()


def test_a_refused_group_is_reported_before_the_redo() -> None:
    store = Store()
    store.first_started.set()
    store.refuse = {"bad"}
    heard: list[tuple[list[str], str]] = []
    commit = GroupCommit(
        store.record_group,
        store.record_one,
        lambda g, refusal: heard.append(([store.name(p) for p in g], str(refusal))),
    )

    commit._commit([PendingSave([], {"name": n}) for n in ("good", "bad")])

    assert heard == [(["good", "bad"], "one save of the group is refused")]
