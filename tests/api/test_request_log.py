"""The request log: one line per request without values, and errors told by
request id and exception type only."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from fastapi.testclient import TestClient

from api.request_log import ACCESS_LOGGER, NoExceptionDetails
from infrastructure.bootstrap import Container
from tests.api.conftest import create

SECRET_VALUE = "pat_Secret_Manatee"


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [
        json.loads(record.getMessage())
        for record in caplog.records
        if record.name == ACCESS_LOGGER
    ]


def test_one_line_per_request_with_the_route_template(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    created = create(client, attendees=[SECRET_VALUE])
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        response = client.get(
            f"/v1/appointments/{created['id']}", params={"version": "1"}
        )
        client.get("/v1/appointments", params={"attendee": SECRET_VALUE})

    lines = access_lines(caplog)
    assert [line["route"] for line in lines] == [
        "/v1/appointments/{appointment_id}",
        "/v1/appointments",
    ]
    assert lines[0]["request_id"] == response.headers["X-Request-Id"]
    assert lines[0]["api_key"] == "test-admin"
    assert SECRET_VALUE not in caplog.text
    assert created["id"] not in caplog.text


def test_an_unexpected_error_is_logged_by_id_and_type_only(
    client: TestClient,
    container: Container,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError(f"cannot list {SECRET_VALUE}")

    monkeypatch.setattr(container.read_model, "list_rendered", broken)
    with caplog.at_level(logging.INFO):
        response = client.get("/v1/appointments")

    assert response.status_code == 500
    assert SECRET_VALUE not in caplog.text
    errors = [r for r in caplog.records if r.name == "appointments.errors"]
    logged = json.loads(errors[0].getMessage())
    assert logged["error"] == "RuntimeError"
    assert logged["request_id"] == access_lines(caplog)[0]["request_id"]
    assert "in broken" in logged["at"]


def test_other_tracebacks_keep_only_type_and_place() -> None:
    try:
        raise ValueError(f"bad {SECRET_VALUE}")
    except ValueError:
        record = logging.LogRecord(
            "uvicorn.error", logging.ERROR, __file__, 1, "Exception in ASGI app",
            None, sys.exc_info(),
        )  # fmt: skip

    NoExceptionDetails().filter(record)
    text = logging.Formatter().format(record)

    assert SECRET_VALUE not in text
    assert "Exception in ASGI app: ValueError at" in text
