"""Every ``/v1`` operation of the OpenAPI document, with every kind of key:
none, unknown, revoked, each scope that must not pass, and the one that must.

The operations come from ``app.openapi()``, so a new route is covered (and
must declare its scope) without touching this file.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from application.access import Scope
from infrastructure.api_keys import new_secret
from infrastructure.bootstrap import Container
from tests.api.conftest import assert_error, bearer, new_key

SCHEME = "ApiKey"
PLACEHOLDERS = {
    "appointment_id": "appt_00000000000000000000",
    "change_log_id": "clog_00000000000000000000",
    "attendee_id": "user_nobody",
    "user_id": "user_nobody",
    "endpoint_id": "we_00000000000000000000000000000000",
    "feed_id": "cf_00000000000000000000",
}
AUTH_CODES = {401, 403, 429}


def v1_operations() -> list[tuple[str, str, dict[str, Any]]]:
    document = create_app(lambda: pytest.fail("no container needed")).openapi()
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        if path.startswith("/v1")
        for method, operation in item.items()
    ]


OPERATIONS = v1_operations()


def required_scope(operation: dict[str, Any]) -> Scope:
    requirements = operation.get("security") or []
    scopes = [scope for each in requirements for scope in each.get(SCHEME, [])]
    assert len(scopes) == 1, f"declare one scope with requires(...): {scopes}"
    return Scope(scopes[0])


def call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> Any:
    url = re.sub(r"\{(\w+)\}", lambda m: PLACEHOLDERS[m.group(1)], path)
    body = {} if method in {"POST", "PATCH", "PUT"} else None
    return client.request(method, url, json=body, headers=headers)


@pytest.fixture
def anonymous(container: Container) -> Any:
    with TestClient(
        create_app(lambda: container), raise_server_exceptions=False
    ) as client:
        yield client


def test_the_document_has_v1_operations() -> None:
    assert len(OPERATIONS) >= 10


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    OPERATIONS,
    ids=[f"{method} {path}" for method, path, _ in OPERATIONS],
)
def test_only_a_key_with_the_declared_scope_passes(
    anonymous: TestClient,
    container: Container,
    method: str,
    path: str,
    operation: dict[str, Any],
) -> None:
    needed = required_scope(operation)
    revoked = new_key(container, "revoked", Scope.ADMIN)
    container.api_keys.revoke("revoked")

    missing = call(anonymous, method, path, {})
    unknown = call(anonymous, method, path, bearer(new_secret()))
    refused = call(anonymous, method, path, bearer(revoked))

    assert_error(missing, 401, "api_key_missing")
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(unknown, 401, "api_key_invalid")
    assert_error(refused, 401, "api_key_invalid")
    for other in set(Scope) - {needed, Scope.ADMIN}:
        secret = new_key(container, f"only-{other.name.lower()}", other)
        error = assert_error(
            call(anonymous, method, path, bearer(secret)), 403, "scope_missing"
        )
        assert needed.value in error["message"]
    for enough in (needed, Scope.ADMIN):
        secret = new_key(container, f"with-{enough.name.lower()}", enough)
        passed = call(anonymous, method, path, bearer(secret))
        assert passed.status_code not in AUTH_CODES | {500}, passed.text
