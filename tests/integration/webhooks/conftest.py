"""Fixtures of the delivery tests: containers that deliver to receivers on
127.0.0.1 (private addresses allowed), with quick timings."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from application.webhook_delivery import RetryPolicy
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.settings import Settings
from infrastructure.webhooks import DeliveryOptions, DeliveryTimings
from tests.fakes import ManualClock, RecordingVideoMeetings
from tests.webhook_receiver import Receiver

FAST = DeliveryTimings(idle_poll=0.5, standby_poll=0.1)
QUICK_RETRIES = RetryPolicy(first_retry_ms=100, max_interval_ms=500)
LOCAL = DeliveryOptions(allow_private=True, timings=FAST, policy=QUICK_RETRIES)

MakeContainer = Callable[[DeliveryOptions], Container]


@pytest.fixture
def make_container(
    settings: Settings, schema: str, clock: ManualClock
) -> Iterator[MakeContainer]:
    """Containers on one schema (as separate processes would see it)."""
    built: list[Container] = []

    def make(options: DeliveryOptions = LOCAL) -> Container:
        container = bootstrap(
            settings,
            schema=schema,
            clock=clock,
            video=RecordingVideoMeetings(),
            webhook_options=options,
        )
        built.append(container)
        return container

    yield make
    for container in built:
        container.close()


@pytest.fixture
def delivering(make_container: MakeContainer) -> Container:
    """A container whose webhook delivery runs."""
    container = make_container(LOCAL)
    container.webhook_delivery.start()
    return container


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from running_receiver()


@pytest.fixture
def other_receiver() -> Iterator[Receiver]:
    yield from running_receiver()


def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.hold.set()
    receiver.stop()
