"""``api/direct_create.py``: a create the route would accept is run before
FastAPI's routing; whatever the route might refuse is handed on to it, and
gets the route's answer; errors raised on the direct path get the answers the
app's exception handlers give."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.dependencies import get_container
from api.direct_create import PATH
from api.errors import conflict
from api.routes import appointments
from application.errors import DatabaseUnavailable
from infrastructure.bootstrap import Container
from tests.api.conftest import HOUR, START, assert_error, create_body


@pytest.fixture
def routed(client: TestClient) -> Iterator[list[str]]:
    """The paths of requests that reached a route needing the container."""
    app = client.app
    assert isinstance(app, FastAPI)
    seen: list[str] = []

    async def recorded(request: Request) -> Container:
        seen.append(request.url.path)
        return await get_container(request)

    app.dependency_overrides[get_container] = recorded
    yield seen
    app.dependency_overrides.clear()


def test_a_create_the_route_accepts_is_answered_before_routing(
    client: TestClient, routed: list[str]
) -> None:
    later = create_body(start_time=START + 2 * HOUR, end_time=START + 3 * HOUR)
    plain = client.post("/v1/appointments", json=create_body())
    keyed = client.post(
        "/v1/appointments", json=later, headers={"Idempotency-Key": "k-1"}
    )
    repeated = client.post(
        "/v1/appointments", json=later, headers={"Idempotency-Key": "k-1"}
    )

    assert [plain.status_code, keyed.status_code, repeated.status_code] == [201] * 3
    assert repeated.json() == keyed.json()
    assert plain.headers["Location"] == f"/v1/appointments/{plain.json()['id']}"
    assert plain.headers["ETag"] == '"1"'
    assert routed == []
    assert client.get(plain.headers["Location"]).json() == plain.json()


JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("content", "headers", "status", "code", "param"),
    [
        ("[]", JSON, 400, "parameter_invalid", None),
        ("", JSON, 400, "parameter_invalid", None),
        (
            json.dumps(create_body()).replace('"group": false', '"group": NaN'),
            JSON, 400, "parameter_invalid", "group",
        ),
        (
            json.dumps(create_body(start_time=2**70)),
            JSON, 400, "parameter_invalid", "start_time",
        ),
        (json.dumps(create_body(name="")), JSON, 400, "parameter_invalid", "name"),
        (json.dumps(create_body(extra=1)), JSON, 400, "parameter_unknown", "extra"),
        (
            json.dumps(create_body()),
            {**JSON, "Idempotency-Key": "k" * 256},
            400, "parameter_invalid", "Idempotency-Key",
        ),
        (
            json.dumps(create_body()),
            {**JSON, "Idempotency-Key": ""},
            400, "parameter_invalid", "Idempotency-Key",
        ),
    ],
)  # fmt: skip
def test_what_the_route_may_refuse_is_handed_on_to_it(
    client: TestClient,
    routed: list[str],
    content: str,
    headers: dict[str, str],
    status: int,
    code: str,
    param: str | None,
) -> None:
    response = client.post("/v1/appointments", content=content, headers=headers)

    assert_error(response, status, code, param)
    assert routed == ["/v1/appointments"]


def test_a_query_string_is_the_routes_to_refuse(client: TestClient) -> None:
    response = client.post("/v1/appointments?dry_run=true", json=create_body())

    assert_error(response, 400, "parameter_unknown", "dry_run")


def test_an_error_the_app_maps_gets_its_mapped_answer(
    client: TestClient, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(*_: object) -> None:
        raise DatabaseUnavailable("gone")

    def reused(*_: object) -> None:
        raise conflict("idempotency_key_reused", "Used.", "Idempotency-Key")

    monkeypatch.setattr(container.idempotency, "claim", unavailable)
    lost = client.post(
        "/v1/appointments", json=create_body(), headers={"Idempotency-Key": "k"}
    )
    monkeypatch.setattr(container.idempotency, "claim", reused)
    refused = client.post(
        "/v1/appointments", json=create_body(), headers={"Idempotency-Key": "k"}
    )

    assert_error(lost, 503, "database_unavailable")
    assert lost.headers["Retry-After"] == "2"
    assert_error(refused, 409, "idempotency_key_reused", "Idempotency-Key")


def test_an_unexpected_error_is_a_logged_500(
    client: TestClient,
    container: Container,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("broken")

    monkeypatch.setattr(container.app, "schedule", broken)
    with caplog.at_level(logging.INFO):
        response = client.post("/v1/appointments", json=create_body())

    assert_error(response, 500, "internal_error")
    errors = [r for r in caplog.records if r.name == "appointments.errors"]
    assert json.loads(errors[0].getMessage())["error"] == "RuntimeError"


def test_the_route_takes_no_more_than_the_direct_path_gives_it() -> None:
    """A parameter or dependency added to the route must be taught to
    ``DirectCreate`` too, or creates would skip it: this fails until then."""
    route = next(
        r
        for r in appointments.router.routes
        if isinstance(r, APIRoute) and r.path == PATH and "POST" in r.methods
    )
    dependant = route.dependant

    assert [p.name for p in dependant.body_params] == ["body"]
    assert [p.alias for p in dependant.header_params] == ["idempotency-key"]
    assert dependant.query_params == dependant.path_params == []
    assert dependant.cookie_params == []
    assert sorted(d.call.__name__ for d in dependant.dependencies if d.call) == [
        "authorize",  # requires(WRITE): AuthGuard checked it, from OpenAPI
        "check",  # NoQuery: the direct path takes no query string
        "get_container",
    ]
