"""Retrieve's stored bodies and their in-process cache (docs/performance.md,
issue 18): the same bytes as before, and never an older version than a write
another process has answered (CONTRACT section 7)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from time import monotonic, sleep

import httpx
import pytest
from fastapi.testclient import TestClient
from psycopg.sql import SQL

from api import responses
from api.app import create_app
from application.access import Scope
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.read_model.body_cache import BodyCache
from infrastructure.read_model.invalidation import REBUILDING, REBUILT
from infrastructure.read_model.retrieve import CachedRetrieve, Check, Row
from infrastructure.settings import Settings
from tests.api.conftest import bearer, create, create_body, new_key
from tests.api.test_recurring import a_series, occurrence
from tests.fakes import ManualClock, RecordingVideoMeetings

ROUNDS = 25


@pytest.fixture
def leader(container: Container) -> Iterator[TestClient]:
    """Process A: its runner projects, so its cache is trusted."""
    secret = new_key(container, "leader", Scope.ADMIN)
    app = create_app(lambda: container)
    with TestClient(app, raise_server_exceptions=False, headers=bearer(secret)) as c:
        assert until(lambda: cached_retrieve(container).trusted)
        yield c


@pytest.fixture
def other_container(
    settings: Settings, schema: str, clock: ManualClock, video: RecordingVideoMeetings
) -> Iterator[Container]:
    built = bootstrap(settings, schema=schema, clock=clock, video=video)
    yield built
    built.close()


@pytest.fixture
def other(other_container: Container) -> Iterator[TestClient]:
    """Process B: no runner here; its writes are woken by A's ``NOTIFY``."""
    secret = new_key(other_container, "other", Scope.ADMIN)
    app = create_app(lambda: other_container, run_projections=False)
    with TestClient(app, raise_server_exceptions=False, headers=bearer(secret)) as c:
        assert until(lambda: other_container.cache_listener.trusted)
        yield c


def cached_retrieve(container: Container) -> CachedRetrieve:
    assert isinstance(container.retrieve, CachedRetrieve)
    return container.retrieve


def until(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Whether ``condition`` holds within ``seconds`` (a bound, not a timing)."""
    deadline = monotonic() + seconds
    while monotonic() < deadline:
        if condition():
            return True
        sleep(0.01)
    return False


def read_until_cached(
    client: TestClient, cache: BodyCache, appointment_id: str
) -> httpx.Response:
    """Retrieve until the body is cached: a write answered in another process
    (woken by the leader's ``NOTIFY``) can be read while the leader's batch
    has not yet ended its cache's flux, which refuses that first fill."""
    deadline = monotonic() + 10.0
    while True:
        response = client.get(f"/v1/appointments/{appointment_id}")
        if cache.get(appointment_id) is not None or monotonic() > deadline:
            return response


def etag(response: httpx.Response) -> int:
    return int(response.headers["ETag"].strip('"'))


def test_a_write_answered_in_another_process_is_never_read_older(
    container: Container, leader: TestClient, other: TestClient
) -> None:
    appointment_id = create(other)["id"]
    cache = container.projections.view.bodies

    for round_number in range(ROUNDS):
        before = read_until_cached(leader, cache, appointment_id)
        assert cache.get(appointment_id) is not None  # the next read could hit
        written = other.patch(
            f"/v1/appointments/{appointment_id}",
            json={"updated_by": "user_other", "description": f"round {round_number}"},
        )
        after = leader.get(f"/v1/appointments/{appointment_id}")

        assert written.status_code == 200, written.text
        assert etag(written) == etag(before) + 1
        assert etag(after) == etag(written)
        assert after.json()["description"] == f"round {round_number}"


def test_a_write_answered_by_the_leading_process_is_read_in_another(
    leader: TestClient, other: TestClient
) -> None:
    appointment_id = create(leader)["id"]

    for round_number in range(ROUNDS):
        other.get(f"/v1/appointments/{appointment_id}")
        written = leader.patch(
            f"/v1/appointments/{appointment_id}",
            json={"updated_by": "user_leader", "description": f"round {round_number}"},
        )
        after = other.get(f"/v1/appointments/{appointment_id}")

        assert etag(after) == etag(written)
        assert after.json()["description"] == f"round {round_number}"


def test_the_stored_body_is_the_bytes_the_document_renders_to(
    container: Container, leader: TestClient
) -> None:
    body = create_body(
        name="Zoë's check-in \u2028 ✓",
        interaction_type="in_person",
        location={"name": "North", "address": "1 Main St", "room": "2"},
        metadata={"zz": "1", "a": "2", "clinic_ref": "x", "b": "é"},
    )
    appointment_id = leader.post("/v1/appointments", json=body).json()["id"]

    fast = leader.get(f"/v1/appointments/{appointment_id}")
    state = container.read_model.get(appointment_id)
    assert state is not None
    rendered = responses.appointment(state)

    assert fast.content == rendered.body
    assert fast.headers["ETag"] == rendered.headers["ETag"]
    assert fast.headers["Content-Type"] == rendered.headers["Content-Type"]
    assert list(fast.json()) == list(state.document)


def test_rows_written_before_stored_bodies_are_served_the_same(
    container: Container, leader: TestClient
) -> None:
    appointment_id = create(leader)["id"]
    stored = leader.get(f"/v1/appointments/{appointment_id}")
    container.projections.view.bodies.clear()
    view = container.projections.view
    with view.datastore.transaction(commit=True) as curs:
        curs.execute(
            SQL("UPDATE {t} SET document_json = NULL").format(
                t=view.tables.appointments
            )
        )

    legacy = leader.get(f"/v1/appointments/{appointment_id}")

    assert legacy.content == stored.content
    assert legacy.headers["ETag"] == stored.headers["ETag"]


def test_an_occurrence_without_a_history_is_still_served(leader: TestClient) -> None:
    series = a_series(leader)

    response = leader.get(f"/v1/appointments/{occurrence(series, 2)}")

    assert response.status_code == 200
    assert response.headers["ETag"] == '"0"'
    assert response.json()["recurring"]["series"] == series["id"]


def test_an_unknown_id_is_still_404(leader: TestClient) -> None:
    response = leader.get("/v1/appointments/appt_00000000000000000000")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"


def test_another_process_hears_the_batches_and_evicts(
    other_container: Container, leader: TestClient, other: TestClient
) -> None:
    appointment_id = create(leader)["id"]
    other.get(f"/v1/appointments/{appointment_id}")
    cache = other_container.projections.view.bodies
    assert cache.get(appointment_id) is not None

    leader.patch(
        f"/v1/appointments/{appointment_id}",
        json={"updated_by": "user_leader", "description": "changed"},
    )

    assert until(lambda: cache.get(appointment_id) is None)


def test_another_process_hears_the_position_of_each_batch(
    container: Container,
    other_container: Container,
    leader: TestClient,
    other: TestClient,
) -> None:
    create(other)
    position = container.projections.view.position()

    committed = other_container.projections.view.committed
    assert until(lambda: committed.reached(position))


def test_a_heard_position_wakes_a_waiting_writer_without_the_tracking_table(
    other_container: Container, other: TestClient
) -> None:
    """Hearing a batch's ``NOTIFY`` is proof it is committed: the wait ends on
    it alone (here, a position the tracking table has not reached)."""
    far_ahead = other_container.projections.view.position() + 1_000_000
    read_model = other_container.read_model
    unheard = read_model.wait_for(far_ahead, 0.1)

    other_container.cache_listener.heard(f"changed elsewhere {far_ahead} ")

    assert not unheard
    assert read_model.wait_for(far_ahead, 0.1)


def test_a_rebuild_is_distrusted_until_it_is_done_then_forgotten(
    container: Container, leader: TestClient
) -> None:
    appointment_id = create(leader)["id"]
    leader.get(f"/v1/appointments/{appointment_id}")
    listener = container.cache_listener
    bodies = container.projections.view.bodies

    listener.heard(REBUILDING)
    distrusted = not cached_retrieve(container).trusted
    listener.heard(REBUILT)

    assert distrusted
    assert cached_retrieve(container).trusted
    assert bodies.get(appointment_id) is None


def test_after_a_rebuild_the_cache_is_forgotten_and_reads_are_the_same(
    container: Container, leader: TestClient
) -> None:
    appointment_id = create(leader)["id"]
    before = leader.get(f"/v1/appointments/{appointment_id}")
    bodies = container.projections.view.bodies
    assert bodies.get(appointment_id) is not None

    container.projections.rebuild()

    assert bodies.get(appointment_id) is None
    assert until(lambda: cached_retrieve(container).trusted)
    after = leader.get(f"/v1/appointments/{appointment_id}")
    assert after.content == before.content


def booked(client: TestClient, n: int) -> str:
    """The id of a new appointment, with a host of its own."""
    return create(client, host=f"user_host_{n}", attendees=[f"user_patient_{n}"])["id"]


def retrieved_together(
    retrieve: CachedRetrieve, appointment_ids: list[str], *, closed: bool = False
) -> tuple[list[int | None], int]:
    """Each id's retrieved version (None: left to the route), all retrieved
    at once on one event loop, and how many statements asked for them."""
    statements = 0
    fetch = retrieve.checks._fetch

    async def counted(checks: list[Check]) -> dict[int, Row]:
        nonlocal statements
        statements += 1
        return await fetch(checks)

    async def all_at_once() -> list[int | None]:
        retrieve.checks._fetch = counted  # type: ignore[method-assign]
        if closed:
            await retrieve.aclose()
        try:
            answers = asyncio.gather(*map(retrieve.rendered, appointment_ids))
            rendered = await asyncio.wait_for(answers, timeout=10.0)  # a bound
        finally:
            await retrieve.aclose()
        return [None if r is None else r.version for r in rendered]

    return asyncio.run(all_at_once()), statements


def test_concurrent_retrieves_elsewhere_are_asked_in_one_statement_each_answered(
    container: Container, leader: TestClient, other_container: Container
) -> None:
    """A process whose runner does not lead asks the database on every
    retrieve; retrieves waiting at once share one statement, and each gets
    its own appointment's current version (cached or not, asked twice, or
    unknown)."""
    first, second, third = (booked(leader, n) for n in range(3))
    changed = leader.patch(
        f"/v1/appointments/{second}",
        json={"updated_by": "user_leader", "description": "changed"},
    )
    retrieve = cached_retrieve(other_container)
    assert not retrieve.trusted
    retrieved_together(retrieve, [first])  # cached here
    unknown = "appt_00000000000000000000"
    asked = [first, second, unknown, third, second, first] * 5

    versions, statements = retrieved_together(retrieve, asked)

    current = {
        appointment_id: etag(leader.get(f"/v1/appointments/{appointment_id}"))
        for appointment_id in (first, second, third)
    }
    assert current[second] == etag(changed) == current[first] + 1
    expected: dict[str, int | None] = {**current, unknown: None}
    assert versions == [expected[appointment_id] for appointment_id in asked]
    assert statements == 1
    assert retrieve.cache.get(second) is not None


def test_a_failed_version_check_leaves_every_waiting_retrieve_to_the_route(
    leader: TestClient, other_container: Container
) -> None:
    asked = [booked(leader, n) for n in range(4)]
    retrieve = cached_retrieve(other_container)

    versions, statements = retrieved_together(retrieve, asked * 3, closed=True)

    assert versions == [None] * 12
    assert statements == 1


def retrieved_one_after_another(
    retrieve: CachedRetrieve, appointment_ids: list[str]
) -> list[int | None]:
    """Each id's retrieved version, each retrieve made as soon as the one
    before it was answered, on one event loop."""

    async def in_turn() -> list[int | None]:
        versions: list[int | None] = []
        for appointment_id in appointment_ids:
            rendered = await retrieve.rendered(appointment_id)
            versions.append(None if rendered is None else rendered.version)
        return versions

    async def bounded() -> list[int | None]:
        try:
            return await asyncio.wait_for(in_turn(), timeout=10.0)  # a bound
        finally:
            await retrieve.aclose()

    return asyncio.run(bounded())


def test_a_retrieve_made_as_soon_as_the_last_was_answered_is_answered(
    leader: TestClient, other_container: Container
) -> None:
    """The sender of the last statement has looked at the queue and found it
    empty, but its task is not yet done: a check made then still gets a
    statement (it once waited forever for a sender that had finished)."""
    appointment_id = booked(leader, 0)
    version = etag(leader.get(f"/v1/appointments/{appointment_id}"))
    retrieve = cached_retrieve(other_container)

    versions = retrieved_one_after_another(retrieve, [appointment_id] * 5)

    assert versions == [version] * 5
