"""A keyed command's response commits with its events: a process that dies
once they are stored, before it could store the response itself, leaves the
key answered, and the retry replays that answer instead of running again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient

from application.idempotency import Claim, IdempotencyStore, StoredResponse
from infrastructure.bootstrap import Container
from tests.api.conftest import create, create_body


class DiesAfterTheCommand:
    """The key's store of a process that dies once its command has run: it
    claims keys, and never gets to complete or release them."""

    def __init__(self, store: IdempotencyStore) -> None:
        self.store = store

    def claim(self, key: str, fingerprint: str) -> Claim:
        return self.store.claim(key, fingerprint)

    def complete(self, key: str, response: StoredResponse) -> None:
        """Never reached."""

    def release(self, key: str) -> None:
        """Never reached."""


@contextmanager
def dying_after_the_command(container: Container) -> Iterator[None]:
    real = container.idempotency
    container.idempotency = DiesAfterTheCommand(real)
    try:
        yield
    finally:
        container.idempotency = real


def test_a_create_retried_after_the_process_died_is_replayed(
    client: TestClient, container: Container
) -> None:
    headers = {"Idempotency-Key": "dies-after-create"}
    with dying_after_the_command(container):
        first = client.post("/v1/appointments", json=create_body(), headers=headers)

    retry = client.post("/v1/appointments", json=create_body(), headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["ETag"] == first.headers["ETag"] == '"1"'
    listed = client.get("/v1/appointments").json()["data"]
    assert [a["id"] for a in listed] == [first.json()["id"]]


def test_a_status_change_retried_after_the_process_died_is_replayed(
    client: TestClient, container: Container
) -> None:
    created = create(client)
    path = f"/v1/appointments/{created['id']}/status"
    body = {"status": "confirmed", "changed_by": "u1"}
    headers = {"Idempotency-Key": "dies-after-status"}
    with dying_after_the_command(container):
        first = client.post(path, json=body, headers=headers)

    retry = client.post(path, json=body, headers=headers)

    assert first.status_code == retry.status_code == 200
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert retry.headers["ETag"] == '"2"'
    log = client.get(f"/v1/appointments/{created['id']}/change_log").json()
    assert len(log["entries"]) == 2
