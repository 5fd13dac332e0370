"""A bounded create/update load whose every write carries an Idempotency-Key
and is retried with that key until it is answered 2xx; a ledger of what the
service acknowledged, and the checks that the store and the read model hold
exactly that."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from infrastructure.audit.verify import StoreVerifier
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.settings import load_settings
from tests.faults.harness import Reply, create_body, send

RETRYABLE = {None, 503}
RETRY_PAUSE = 0.2
UPDATES_PER_CREATE = 2


@dataclass
class Attempt:
    sent_at: float
    reply: Reply


@dataclass
class Ledger:
    creates: dict[str, str] = field(default_factory=dict)
    """Idempotency-Key -> the appointment its 2xx named."""
    updates: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Idempotency-Key -> (appointment, the description it set)."""
    attempts: list[Attempt] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)
    """Keys never answered 2xx before the deadline, or refused (not retryable)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, attempt: Attempt) -> None:
        with self.lock:
            self.attempts.append(attempt)

    def statuses(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for attempt in self.attempts:
            name = str(attempt.reply.status)
            counts[name] = counts.get(name, 0) + 1
        return counts


@dataclass
class Load:
    base_url: Callable[[], str]
    """Where to send the next request (a restarted server may move)."""
    ledger: Ledger = field(default_factory=Ledger)
    writers: int = 4
    max_creates: int = 200
    pace: float = 0.0
    """Pause between one writer's logical writes (seconds)."""
    stop: threading.Event = field(default_factory=threading.Event)

    def run_for(self, seconds: float, during: Callable[[], None] | None = None) -> None:
        """Run the writers for ``seconds``; ``during`` runs meanwhile (the fault)."""
        deadline = time.monotonic() + seconds
        with ThreadPoolExecutor(self.writers) as pool:
            futures = [pool.submit(self._writer, deadline) for _ in range(self.writers)]
            if during is not None:
                during()
            for future in futures:
                future.result()

    def _writer(self, deadline: float) -> None:
        with httpx.Client(timeout=30.0) as client:
            while time.monotonic() < deadline and not self.stop.is_set():
                with self.ledger.lock:
                    if len(self.ledger.creates) >= self.max_creates:
                        return
                self._one_appointment(client, deadline)
                time.sleep(self.pace)

    def _one_appointment(self, client: httpx.Client, deadline: float) -> None:
        key = "c-" + uuid.uuid4().hex
        reply = self.until_done(client, "POST", "/v1/appointments", create_body(), key)
        if reply is None:
            return
        appointment_id = str(reply.body["id"])
        with self.ledger.lock:
            self.ledger.creates[key] = appointment_id
        for _ in range(UPDATES_PER_CREATE):
            if time.monotonic() >= deadline:
                return
            key = "u-" + uuid.uuid4().hex
            change = {"description": "d-" + key, "updated_by": "faults"}
            path = f"/v1/appointments/{appointment_id}"
            if self.until_done(client, "POST", path, change, key) is not None:
                with self.ledger.lock:
                    self.ledger.updates[key] = (appointment_id, change["description"])

    def until_done(
        self,
        client: httpx.Client,
        method: str,
        path: str,
        body: dict[str, object],
        key: str,
        give_up_after: float = 60.0,
    ) -> Reply | None:
        """The 2xx reply, retrying with the same key; None if it never came."""
        give_up = time.monotonic() + give_up_after
        while time.monotonic() < give_up:
            client.base_url = httpx.URL(self.base_url())
            sent_at = time.monotonic()
            reply = send(client, method, path, body, idempotency_key=key)
            self.ledger.note(Attempt(sent_at, reply))
            if reply.status is not None and 200 <= reply.status < 300:
                return reply
            if reply.status not in RETRYABLE and reply.code != "idempotency_key_in_use":
                break
            time.sleep(RETRY_PAUSE)
        with self.ledger.lock:
            self.ledger.unfinished.append(key)
        return None


def open_container(database_url: str) -> Container:
    """The service's own objects on the test's server (projections not run)."""
    return bootstrap(load_settings(database_url=database_url))


def wait_for_projection(container: Container, seconds: float = 60.0) -> float:
    """Seconds until the read model reached the event store's head."""
    started = time.monotonic()
    head = container.app.head_position()
    if not container.read_model.wait_for(head, timeout=seconds):
        raise AssertionError(f"the read model did not reach position {head}")
    return time.monotonic() - started


@dataclass
class StoreCheck:
    appointments_in_store: int
    rows_compared: int
    events: int
    findings: list[str]


def check_store(container: Container, ledger: Ledger) -> StoreCheck:
    """Every acknowledged write is in the store once and in the read model;
    every read-model row equals the fold of its events."""
    app, view = container.app, container.projections.view
    for key, appointment_id in ledger.creates.items():
        assert app.get(appointment_id).version >= 1, key
    for key, (appointment_id, description) in ledger.updates.items():
        entries = app.change_log(appointment_id)["entries"]
        setting = [
            e
            for e in entries
            if e["changes"].get("description", {}).get("to") == description
        ]
        assert len(setting) == 1, f"{key}: recorded {len(setting)} times"
    report = StoreVerifier(app, view).verify()
    compared = 0
    for appointment_id in set(ledger.creates.values()):
        row = container.read_model.get(appointment_id)
        assert row is not None, appointment_id
        assert row.document == app.get(appointment_id).document, appointment_id
        compared += 1
    return StoreCheck(
        appointments_in_store=report.appointments,
        rows_compared=compared,
        events=report.events,
        findings=[
            f"{f.appointment_id}@{f.version}: {f.check}" for f in report.findings
        ],
    )
