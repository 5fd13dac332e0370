"""Webhook delivery by real processes: a worker killed with SIGKILL in the
middle of deliveries and another started loses nothing (a duplicate repeats
the same item); two API processes deliver each event once between them."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from infrastructure.bootstrap import Container, bootstrap
from infrastructure.settings import load_settings
from infrastructure.webhooks import DeliveryOptions
from tests.api.conftest import create_body
from tests.builders import HOUR_MS, START, a_draft
from tests.e2e.conftest import APPOINTMENTS
from tests.webhook_receiver import Receiver, wait_until

ALLOW_PRIVATE = "APPOINTMENTS_WEBHOOK_ALLOW_PRIVATE"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.hold.set()
    receiver.stop()


@pytest.fixture
def store(e2e_database_url: str) -> Iterator[Container]:
    """The database the processes use, opened here to write and subscribe."""
    container = bootstrap(
        load_settings(database_url=e2e_database_url),
        webhook_options=DeliveryOptions(allow_private=True),
    )
    yield container
    container.close()


@pytest.fixture
def start_worker(
    e2e_database_url: str, tmp_path: Path
) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    processes: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "APPOINTMENTS_DATABASE_URL": e2e_database_url,
            ALLOW_PRIVATE: "true",
        }
        log = (tmp_path / f"worker-{len(processes)}.log").open("wb")
        process = subprocess.Popen(
            [str(APPOINTMENTS), "worker"], env=env, stdout=log, stderr=log
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def write_history(container: Container, appointments: int) -> list[str]:
    ids = []
    for n in range(appointments):
        start = START + n * HOUR_MS
        draft = a_draft(host=f"h_{n}", start_time=start, end_time=start + HOUR_MS)
        ids.append(container.app.schedule(draft).document["id"])
    for status in ("confirmed", "checked_in"):
        for appointment_id in ids:
            container.app.change_status(appointment_id, status=status, changed_by="u")
    return ids


def assert_in_order_without_loss(receiver: Receiver, expected: set[int]) -> None:
    """Every event arrived; per appointment, first arrivals in version order;
    a repeated id repeats the very same body."""
    bodies: dict[int, bytes] = {}
    versions: dict[str, list[int]] = {}
    for received in receiver.received:
        item: dict[str, Any] = received.item
        if item["id"] in bodies:
            assert received.body == bodies[item["id"]]
            continue
        bodies[item["id"]] = received.body
        versions.setdefault(item["appointment"], []).append(item["version"])
    assert set(bodies) == expected
    assert all(v == sorted(v) for v in versions.values())


def test_a_worker_killed_mid_delivery_and_restarted_loses_nothing(
    store: Container,
    receiver: Receiver,
    start_worker: Callable[[], subprocess.Popen[bytes]],
) -> None:
    store.webhooks.create(receiver.url, ["*"], None)
    write_history(store, appointments=6)
    expected = {item["id"] for item in store.app.feed(after=0, limit=100).items}
    receiver.hold.clear()  # the first deliveries hang, unanswered

    first = start_worker()
    assert wait_until(lambda: receiver.arrived >= 1)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    receiver.hold.set()
    start_worker()

    assert wait_until(lambda: {i["id"] for i in receiver.items()} == expected)
    assert_in_order_without_loss(receiver, expected)
    assert len(receiver.received) > len(expected)  # the hung ones came twice


def test_two_api_processes_deliver_each_event_once(
    start_server: Callable[[], str],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    auth: dict[str, str],
) -> None:
    monkeypatch.setenv(ALLOW_PRIVATE, "true")
    servers = [start_server(), start_server()]
    created = httpx.post(
        f"{servers[0]}/v1/webhook_endpoints",
        json={"url": receiver.url, "enabled_events": ["*"]},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    for n in range(20):
        start = START + n * HOUR_MS
        body = create_body(host=f"h_{n}", start_time=start, end_time=start + HOUR_MS)
        response = httpx.post(
            f"{servers[n % 2]}/v1/appointments", json=body, headers=auth
        )
        assert response.status_code == 201, response.text
    events = httpx.get(
        f"{servers[1]}/v1/events", params={"limit": 100}, headers=auth
    ).json()
    expected = [item["id"] for item in events["data"]]

    assert wait_until(lambda: len(receiver.received) >= len(expected))
    assert sorted(i["id"] for i in receiver.items()) == expected
