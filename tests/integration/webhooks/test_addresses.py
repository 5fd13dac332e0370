"""The address check at delivery time: a delivery connects to the address
just resolved and checked, and a name that now resolves to a private address
(DNS rebinding) is refused before anything is sent."""

from __future__ import annotations

from dataclasses import replace

from infrastructure.webhooks import DeliveryOptions
from tests.integration.webhooks.conftest import LOCAL, MakeContainer
from tests.integration.webhooks.test_delivery import schedule
from tests.webhook_receiver import Receiver, wait_until

PUBLIC = "93.184.216.34"


class SwitchingResolver:
    """Resolves every name to ``address``, which a test can change."""

    def __init__(self, address: str) -> None:
        self.address = address

    def __call__(self, host: str, port: int) -> list[str]:
        return [self.address]


def test_a_delivery_goes_to_the_resolved_address_with_the_original_host(
    make_container: MakeContainer, receiver: Receiver
) -> None:
    options = replace(LOCAL, resolver=SwitchingResolver("127.0.0.1"))
    container = make_container(options)
    container.webhook_delivery.start()
    url = f"http://hooks.test:{receiver.port}/in"
    container.webhooks.create(url, ["*"], None)

    schedule(container)

    assert wait_until(lambda: len(receiver.received) == 1)
    assert receiver.received[0].headers["Host"] == f"hooks.test:{receiver.port}"


def test_a_name_rebound_to_a_private_address_gets_nothing(
    make_container: MakeContainer, receiver: Receiver
) -> None:
    resolver = SwitchingResolver(PUBLIC)
    options = DeliveryOptions(resolver=resolver, timings=LOCAL.timings)
    container = make_container(options)
    container.webhook_delivery.start()
    endpoint, _ = container.webhooks.create(
        f"https://hooks.test:{receiver.port}/in", ["*"], None
    )

    resolver.address = "127.0.0.1"
    schedule(container)

    assert wait_until(
        lambda: bool(container.webhooks.deliveries(endpoint.id, 1, None).data)
    )
    (attempt,) = container.webhooks.deliveries(endpoint.id, 1, None).data
    assert attempt.status_code is None
    assert attempt.error is not None
    assert "127.0.0.1, not a public address" in attempt.error
    assert receiver.received == []
