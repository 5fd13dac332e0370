"""The ``Authorization`` header: malformed ones are 401 (never 500), the key
is checked before the body, open routes need none, and a key revoked
mid-request finishes that request."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from application.access import Scope
from application.ports import MeetingRequest, VideoMeeting
from infrastructure.bootstrap import Container
from tests.api.conftest import assert_error, bearer, create_body, new_key
from tests.fakes import RecordingVideoMeetings

TOO_LARGE = b"x" * (1_048_576 + 10)


@pytest.fixture
def anonymous(container: Container) -> Iterator[TestClient]:
    with TestClient(
        create_app(lambda: container), raise_server_exceptions=False
    ) as client:
        yield client


@pytest.fixture
def secret(container: Container) -> str:
    return new_key(container, "caller", Scope.ADMIN)


def list_with(client: TestClient, authorization: str | bytes) -> Any:
    return client.get("/v1/appointments", headers={"Authorization": authorization})


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Token sk_abc",
        "Bearer sk_a b",
        "Bearer sk_\u00e9t\u00e9".encode("latin-1"),
        "Bearer sk_\U0001f600".encode(),
        "Bearer " + "A" * 10_240,
        "Bearer " + "A b" * 4_000,
        "Bearer sk_" + "A" * 10_240,
    ],
    ids=[
        "empty",
        "bearer alone",
        "bearer and a space",
        "basic",
        "another scheme",
        "token with a space",
        "latin-1",
        "utf-8 emoji",
        "10 kB token",
        "10 kB with spaces",
        "10 kB sk_ token",
    ],
)
def test_a_malformed_header_is_401(anonymous: TestClient, header: str | bytes) -> None:
    response = list_with(anonymous, header)

    assert response.status_code == 401, response.text
    assert response.json()["error"]["type"] == "authentication_error"
    assert response.json()["error"]["param"] is None


def test_two_spaces_before_the_secret_is_not_a_bearer_token(
    anonymous: TestClient, secret: str
) -> None:
    assert_error(list_with(anonymous, f"Bearer  {secret}"), 401, "api_key_missing")


def test_the_scheme_is_case_insensitive(anonymous: TestClient, secret: str) -> None:
    assert list_with(anonymous, f"bearer {secret}").status_code == 200


def test_an_unknown_secret_is_invalid(anonymous: TestClient, secret: str) -> None:
    almost = secret[:-1] + ("A" if secret[-1] != "A" else "B")

    assert_error(list_with(anonymous, f"Bearer {almost}"), 401, "api_key_invalid")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (TOO_LARGE, "application/json"),
        (b"name=x", "text/plain"),
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
    ],
    ids=["too large", "not json media type", "malformed json", "not an object"],
)
def test_the_key_is_checked_before_the_body(
    anonymous: TestClient, container: Container, body: bytes, content_type: str
) -> None:
    reader = new_key(container, "reader", Scope.APPOINTMENTS_READ)
    headers = {"Content-Type": content_type}

    nobody = anonymous.post("/v1/appointments", content=body, headers=headers)
    wrong_scope = anonymous.post(
        "/v1/appointments", content=body, headers={**headers, **bearer(reader)}
    )

    assert_error(nobody, 401, "api_key_missing")
    assert_error(wrong_scope, 403, "scope_missing")


def test_an_unknown_v1_path_needs_a_key_too(anonymous: TestClient, secret: str) -> None:
    assert_error(anonymous.get("/v1/nothing-here"), 401, "api_key_missing")
    assert anonymous.get("/v1/nothing-here", headers=bearer(secret)).status_code == 404


@pytest.mark.parametrize(
    "path", ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"]
)
def test_open_routes_need_no_key(anonymous: TestClient, path: str) -> None:
    assert anonymous.get(path).status_code == 200


def test_past_states_need_audit_read(
    anonymous: TestClient, container: Container
) -> None:
    admin = new_key(container, "admin", Scope.ADMIN)
    reader = new_key(container, "reader", Scope.APPOINTMENTS_READ)
    created = anonymous.post(
        "/v1/appointments", json=create_body(), headers=bearer(admin)
    )
    path = f"/v1/appointments/{created.json()['id']}"

    current = anonymous.get(path, headers=bearer(reader))
    past = anonymous.get(path + "?version=1", headers=bearer(reader))

    assert current.status_code == 200
    error = assert_error(past, 403, "scope_missing")
    assert "audit:read" in error["message"]


def test_the_document_offers_the_bearer_scheme(anonymous: TestClient) -> None:
    document = anonymous.get("/openapi.json").json()

    scheme = document["components"]["securitySchemes"]["ApiKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    operation = document["paths"]["/v1/events"]["get"]
    assert operation["security"] == [{"ApiKey": ["audit:read"]}]


def test_every_response_carries_a_request_id(
    anonymous: TestClient, secret: str
) -> None:
    ids = {
        anonymous.get("/healthz").headers["X-Request-Id"],
        anonymous.get("/v1/appointments").headers["X-Request-Id"],
        list_with(anonymous, f"Bearer {secret}").headers["X-Request-Id"],
    }

    assert len(ids) == 3
    assert all(each.startswith("req_") for each in ids)


class BlockingVideoMeetings(RecordingVideoMeetings):
    """Once ``holding``, holds each meeting creation until released."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = False
        self.entered = threading.Event()
        self.release = threading.Event()

    def create_meeting(self, request: MeetingRequest) -> VideoMeeting:
        if self.holding:
            self.entered.set()
            assert self.release.wait(timeout=30)
        return super().create_meeting(request)


@pytest.fixture
def video() -> BlockingVideoMeetings:
    return BlockingVideoMeetings()


def test_a_key_revoked_mid_request_finishes_that_request_only(
    anonymous: TestClient, container: Container, video: BlockingVideoMeetings
) -> None:
    secret = new_key(container, "leaving", Scope.ADMIN)
    video.holding = True
    answers: list[Any] = []
    request = threading.Thread(
        target=lambda: answers.append(
            anonymous.post(
                "/v1/appointments", json=create_body(), headers=bearer(secret)
            )
        )
    )
    request.start()
    assert video.entered.wait(timeout=30)

    container.api_keys.revoke("leaving")
    container.key_cache.ttl = 0  # this process forgets its cached keys at once
    video.release.set()
    request.join(timeout=30)

    assert answers[0].status_code == 201, answers[0].text
    assert_error(list_with(anonymous, f"Bearer {secret}"), 401, "api_key_invalid")
