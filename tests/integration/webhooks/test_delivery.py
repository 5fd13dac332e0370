"""Delivery to receivers on 127.0.0.1: the body, the signature, the filter,
order per appointment through failures, isolation, and replay."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from application.access import Scope
from application.webhook_delivery import render_body
from application.webhooks import Delivery
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.settings import Settings
from tests.api.conftest import bearer, new_key
from tests.builders import HOUR_MS, START, a_draft
from tests.webhook_receiver import Received, Receiver, wait_until


def schedule(container: Container, n: int = 0) -> str:
    start = START + n * HOUR_MS
    draft = a_draft(host=f"host_{n}", start_time=start, end_time=start + HOUR_MS)
    appointment_id: str = container.app.schedule(draft).document["id"]
    return appointment_id


def confirm_then_check_in(container: Container, appointment_id: str) -> None:
    for status in ("confirmed", "checked_in"):
        container.app.change_status(appointment_id, status=status, changed_by="u_1")


def versions_by_appointment(items: list[dict[str, Any]]) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = defaultdict(list)
    for item in items:
        seen[item["appointment"]].append(item["version"])
    return dict(seen)


def feed_items(container: Container) -> list[dict[str, Any]]:
    return container.app.feed(after=0, limit=100).items


def test_an_event_arrives_as_its_feed_item_signed_with_the_endpoint_secret(
    delivering: Container, receiver: Receiver, settings: Settings, schema: str
) -> None:
    endpoint, secret = delivering.webhooks.create(receiver.url, ["*"], None)
    schedule(delivering)

    assert wait_until(lambda: len(receiver.received) == 1)
    received = receiver.received[0]
    (item,) = feed_items(delivering)
    assert received.body == render_body(item).encode()
    api = bootstrap(settings, schema=schema)  # closed by the app's lifespan
    headers = bearer(new_key(api, "webhook-test", Scope.AUDIT_READ))
    app = create_app(lambda: api, run_projections=False)
    with TestClient(app, headers=headers) as client:
        assert received.body in client.get("/v1/events").content
    assert received.signed_with(secret)
    assert not received.signed_with("whsec_" + "x" * 32)
    assert received.headers["Content-Type"] == "application/json"

    def attempts() -> list[Delivery]:
        return delivering.webhooks.deliveries(endpoint.id, 10, None).data

    assert wait_until(lambda: bool(attempts()))
    (attempt,) = attempts()
    assert (attempt.event, attempt.attempt) == (item["id"], 1)
    assert (attempt.status_code, attempt.error) == (200, None)


def test_only_the_enabled_event_types_are_sent(
    delivering: Container, receiver: Receiver
) -> None:
    delivering.webhooks.create(receiver.url, ["appointment.status_changed"], None)
    appointment_id = schedule(delivering)
    delivering.app.update(appointment_id, changed_by="u_1", changes={"name": "Renamed"})
    delivering.app.change_status(appointment_id, status="confirmed", changed_by="u_1")

    # One appointment's events go in order: once its last event has arrived,
    # any earlier one that matched would have arrived before it.
    assert wait_until(lambda: len(receiver.received) == 1)
    assert [item["type"] for item in receiver.items()] == ["appointment.status_changed"]


def test_a_receiver_down_for_a_while_then_back_gets_everything_in_order(
    delivering: Container, receiver: Receiver
) -> None:
    endpoint, _ = delivering.webhooks.create(receiver.url, ["*"], None)
    receiver.stop()
    ids = [schedule(delivering, n) for n in range(4)]
    for appointment_id in ids:
        confirm_then_check_in(delivering, appointment_id)
    assert wait_until(
        lambda: len(delivering.webhooks.deliveries(endpoint.id, 20, None).data) >= 8
    )
    refused = delivering.webhooks.deliveries(endpoint.id, 20, None).data
    assert all(a.status_code is None and a.error for a in refused)

    receiver.start()

    expected = {item["id"] for item in feed_items(delivering)}
    assert wait_until(lambda: receiver.ids() == expected)
    by_appointment = versions_by_appointment(receiver.items())
    assert by_appointment == {appointment_id: [1, 2, 3] for appointment_id in ids}


def test_an_event_waits_for_the_previous_one_of_its_appointment_while_others_go(
    delivering: Container, receiver: Receiver
) -> None:
    blocked = schedule(delivering, 0)
    others = [schedule(delivering, n) for n in range(1, 4)]
    delivering.webhooks.create(receiver.url, ["*"], None)  # position: after these
    confirm_then_check_in(delivering, blocked)
    for appointment_id in others:
        confirm_then_check_in(delivering, appointment_id)

    def others_done() -> bool:
        got = versions_by_appointment(receiver.items())
        return all(got.get(a) == [2, 3] for a in others)

    def status(received: Received) -> int:
        item = received.item
        blocking = item["appointment"] == blocked and item["version"] == 2
        return 500 if blocking and not others_done() else 200

    receiver.status = status

    def sent_for_blocked() -> list[int]:
        return versions_by_appointment(receiver.items()).get(blocked, [])

    assert wait_until(lambda: sent_for_blocked()[-1:] == [3])
    assert others_done()
    sent = sent_for_blocked()
    assert sent.count(3) == 1
    assert set(sent[:-1]) == {2}
    assert len(sent) >= 3  # version 2 failed at least once, then went through


def test_a_slow_receiver_does_not_delay_another_endpoint(
    delivering: Container, receiver: Receiver, other_receiver: Receiver
) -> None:
    slow = receiver
    slow.hold.clear()  # answers nothing until released
    delivering.webhooks.create(slow.url, ["*"], None)
    delivering.webhooks.create(other_receiver.url, ["*"], None)
    ids = [schedule(delivering, n) for n in range(6)]

    assert wait_until(lambda: len(other_receiver.received) == len(ids))
    assert slow.received == []

    slow.hold.set()
    assert wait_until(lambda: len(slow.received) == len(ids))


def test_replay_sends_the_matching_events_after_a_position_again_in_order(
    delivering: Container, receiver: Receiver
) -> None:
    endpoint, _ = delivering.webhooks.create(receiver.url, ["*"], None)
    appointment_id = schedule(delivering)
    confirm_then_check_in(delivering, appointment_id)
    assert wait_until(lambda: len(receiver.received) == 3)
    first, second, third = (item["id"] for item in receiver.items())

    delivering.webhooks.replay(endpoint.id, after=first)

    assert wait_until(lambda: len(receiver.received) == 5)
    assert [item["id"] for item in receiver.items()] == [
        first,
        second,
        third,
        second,
        third,
    ]
    assert receiver.received[3].body == receiver.received[1].body
