"""Several processes deliver together: one runs each endpoint, and each event
reaches it once."""

from __future__ import annotations

from collections import Counter

from tests.integration.webhooks.conftest import MakeContainer
from tests.integration.webhooks.test_delivery import schedule
from tests.webhook_receiver import Receiver, wait_until


def test_two_processes_deliver_each_event_once_between_them(
    make_container: MakeContainer, receiver: Receiver, other_receiver: Receiver
) -> None:
    first, second = make_container(), make_container()
    for container in (first, second):
        container.webhook_delivery.start()
    for target in (receiver, other_receiver):
        first.webhooks.create(target.url, ["*"], None)
    written = [
        schedule(container, n) for n, container in enumerate([first, second] * 5)
    ]

    for target in (receiver, other_receiver):
        assert wait_until(lambda t=target: len(t.received) >= len(written))
        counts = Counter(item["id"] for item in target.items())
        assert sorted(counts.values()) == [1] * len(written)
    leading = [
        endpoint_id
        for container in (first, second)
        for endpoint_id, runner in container.webhook_delivery.runners.items()
        if runner.is_leading
    ]
    assert sorted(leading) == sorted(set(leading))
    assert len(leading) == 2
