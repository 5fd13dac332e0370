"""An endpoint that keeps failing: retried for 24 hours (on a clock the test
moves), then disabled with the reason; re-enabled, it resumes where it
stopped. Old attempts are forgotten after 30 days."""

from __future__ import annotations

from application.webhooks import Delivery
from infrastructure.bootstrap import Container
from infrastructure.webhooks import DeliveryOptions
from infrastructure.webhooks.supervisor import RETENTION_MS
from tests.fakes import ManualClock
from tests.integration.webhooks.conftest import FAST, MakeContainer
from tests.integration.webhooks.test_delivery import schedule
from tests.webhook_receiver import Receiver, wait_until

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


def on_manual_clock(make_container: MakeContainer, clock: ManualClock) -> Container:
    options = DeliveryOptions(
        allow_private=True, clock=clock, timings=FAST, draw=lambda: 1.0
    )
    container = make_container(options)
    container.webhook_delivery.start()
    return container


def attempts(container: Container, endpoint_id: str) -> list[Delivery]:
    return container.webhooks.deliveries(endpoint_id, 100, None).data


def test_an_endpoint_failing_for_a_day_is_disabled_and_resumes_once_re_enabled(
    make_container: MakeContainer, receiver: Receiver
) -> None:
    clock = ManualClock()
    container = on_manual_clock(make_container, clock)
    receiver.status = lambda _: 500
    endpoint, _ = container.webhooks.create(receiver.url, ["*"], None)
    appointment_id = schedule(container)
    container.app.change_status(appointment_id, status="confirmed", changed_by="u")

    made = 0  # attempts seen when the clock last moved on: the next comes after
    while container.webhooks.get(endpoint.id).status == "enabled":
        assert made < 60, "still enabled after 60 hourly attempts"
        assert wait_until(lambda n=made: len(attempts(container, endpoint.id)) > n)
        made = len(attempts(container, endpoint.id))
        clock.advance(HOUR_MS)

    failed = attempts(container, endpoint.id)
    assert {(a.event, a.status_code) for a in failed} == {(failed[0].event, 500)}
    assert failed[0].attempted_at - failed[-1].attempted_at >= DAY_MS
    assert [a.attempt for a in reversed(failed)] == list(range(1, len(failed) + 1))
    disabled = container.webhooks.get(endpoint.id)
    assert disabled.disabled_reason is not None
    assert "failed for 24 hours" in disabled.disabled_reason
    assert {item["version"] for item in receiver.items()} == {1}

    receiver.status = lambda _: 200
    container.webhooks.update(endpoint.id, {"status": "enabled"})

    assert wait_until(lambda: len(receiver.items()) == len(failed) + 2)
    assert [item["version"] for item in receiver.items()[-2:]] == [1, 2]
    assert container.webhooks.get(endpoint.id).disabled_reason is None


def test_the_first_retry_comes_within_two_seconds(
    make_container: MakeContainer, receiver: Receiver
) -> None:
    clock = ManualClock(step_ms=0)
    container = on_manual_clock(make_container, clock)
    receiver.status = lambda _: 503
    endpoint, _ = container.webhooks.create(receiver.url, ["*"], None)
    schedule(container)
    assert wait_until(lambda: len(attempts(container, endpoint.id)) == 1)

    clock.advance(2_000)

    assert wait_until(lambda: len(attempts(container, endpoint.id)) == 2)


def test_attempts_older_than_30_days_are_forgotten(
    make_container: MakeContainer, receiver: Receiver
) -> None:
    clock = ManualClock()
    container = on_manual_clock(make_container, clock)
    endpoint, _ = container.webhooks.create(receiver.url, ["*"], None)
    schedule(container)
    assert wait_until(lambda: len(attempts(container, endpoint.id)) == 1)
    queue = container.webhook_delivery.parts.queue

    assert queue.prune(clock.now_ms() - RETENTION_MS) == 0
    clock.advance(RETENTION_MS + 1)
    assert queue.prune(clock.now_ms() - RETENTION_MS) == 1
    assert attempts(container, endpoint.id) == []


def test_a_deleted_endpoint_stops_its_runner(
    delivering: Container, receiver: Receiver
) -> None:
    endpoint, _ = delivering.webhooks.create(receiver.url, ["*"], None)
    runners = delivering.webhook_delivery.runners
    assert wait_until(lambda: endpoint.id in runners)

    delivering.webhooks.delete(endpoint.id)

    assert wait_until(lambda: endpoint.id not in runners)
    assert delivering.webhook_delivery.parts.tables.position(endpoint.id) is None
