"""Writers wait for the read model: woken by this process's runner when it
leads, by the tracking table otherwise."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from infrastructure.bootstrap import Container
from tests.builders import a_draft


@pytest.fixture
def leading(container: Container) -> Iterator[Container]:
    container.start_projections()
    assert wait_until_leading(container)
    yield container
    container.stop_projections()


def wait_until_leading(container: Container) -> bool:
    return container.projections.view.projecting_here.wait(timeout=10)


def test_a_waiting_writer_is_woken_by_the_batch_that_applies_its_event(
    leading: Container,
) -> None:
    position = leading.app.head_position() + 1
    outcome: list[bool] = []
    waiter = threading.Thread(
        target=lambda: outcome.append(leading.read_model.wait_for(position, 10))
    )
    waiter.start()

    written = leading.app.schedule(a_draft())
    waiter.join(15)

    assert written.position == position
    assert outcome == [True]
    assert leading.read_model.get(written.document["id"]) is not None


def test_a_position_not_yet_recorded_times_out(leading: Container) -> None:
    beyond = leading.app.head_position() + 1000

    assert leading.read_model.wait_for(beyond, timeout=0.3) is False


def test_without_a_local_runner_the_tracking_table_answers(
    container: Container, second_container: Container
) -> None:
    second_container.start_projections()
    try:
        written = container.app.schedule(a_draft())

        assert not container.projections.view.projecting_here.is_set()
        assert container.read_model.wait_for(written.position or 0, timeout=10)
    finally:
        second_container.stop_projections()
