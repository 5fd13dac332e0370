"""Every malformed request gets its own code and param, and never a 500."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import assert_error, create, create_body

INVALID_BODIES = [
    pytest.param({"nmae": "typo"}, "parameter_unknown", "nmae", id="unknown-field"),
    pytest.param({"name": ...}, "parameter_missing", "name", id="missing-name"),
    pytest.param({"host": ...}, "parameter_missing", "host", id="missing-host"),
    pytest.param({"start_time": "1767261600000"}, "parameter_invalid", "start_time",
                 id="string-for-integer"),
    pytest.param({"start_time": 1767261600000.0}, "parameter_invalid", "start_time",
                 id="float-for-integer"),
    pytest.param({"group": "false"}, "parameter_invalid", "group",
                 id="string-for-boolean"),
    pytest.param({"group": 0}, "parameter_invalid", "group", id="integer-for-boolean"),
    pytest.param({"name": 5}, "parameter_invalid", "name", id="integer-for-string"),
    pytest.param({"name": ""}, "parameter_invalid", "name", id="empty-name"),
    pytest.param({"name": "x" * 201}, "parameter_invalid", "name", id="long-name"),
    pytest.param({"name": "a\x00b"}, "parameter_invalid", "name", id="nul-in-name"),
    pytest.param({"attendees": "user_patient"}, "parameter_invalid", "attendees",
                 id="string-for-list"),
    pytest.param({"attendees": ["bad id!"]}, "parameter_invalid", "attendees",
                 id="bad-caller-id"),
    pytest.param({"end_time": 1767261600000}, "parameter_invalid", "end_time",
                 id="end-not-after-start"),
    pytest.param({"interaction_type": "phone"}, "parameter_invalid",
                 "interaction_type", id="unknown-interaction"),
    pytest.param({"interaction_type": "in_person"}, "parameter_missing",
                 "location.address", id="in-person-without-address"),
    pytest.param({"interaction_type": "in_person", "location": {"room": "2"}},
                 "parameter_missing", "location.address", id="address-missing"),
    pytest.param({"interaction_type": "in_person",
                  "location": {"address": "x", "floor": 2}},
                 "parameter_unknown", "location.floor", id="unknown-nested-field"),
    pytest.param({"reference_patients": ["p1"]}, "parameter_invalid",
                 "reference_patients", id="patients-on-external"),
    pytest.param({"generated_from_type": "rule"}, "parameter_invalid", "generated_from",
                 id="generated-from-alone"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "code", "param"), INVALID_BODIES)
def test_refuses_an_invalid_create_body(
    client: TestClient, overrides: dict[str, Any], code: str, param: str
) -> None:
    response = client.post("/v1/appointments", json=create_body(**overrides))

    assert_error(response, 400, code, param)


def test_refuses_a_lone_surrogate(client: TestClient) -> None:
    body = json.dumps(create_body(name="PLACEHOLDER"))
    body = body.replace("PLACEHOLDER", "bad \\ud800 text")

    response = client.post(
        "/v1/appointments", content=body, headers={"Content-Type": "application/json"}
    )

    assert_error(response, 400, "parameter_invalid", "name")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"{not json", id="malformed"),
        pytest.param(b"[1, 2]", id="array"),
        pytest.param(b'"text"', id="string"),
        pytest.param(b"null", id="null"),
        pytest.param(b"\xff\xfe{}", id="not-utf8"),
        pytest.param(b"", id="empty"),
    ],
)
def test_refuses_a_body_that_is_not_a_json_object(
    client: TestClient, content: bytes
) -> None:
    response = client.post(
        "/v1/appointments",
        content=content,
        headers={"Content-Type": "application/json"},
    )

    assert_error(response, 400, "parameter_invalid", None)


def test_refuses_a_body_that_is_not_json(client: TestClient) -> None:
    response = client.post(
        "/v1/appointments", content=b"name=x", headers={"Content-Type": "text/plain"}
    )

    assert_error(response, 415, "unsupported_media_type")


def test_checks_the_size_before_the_media_type(client: TestClient) -> None:
    response = client.post(
        "/v1/appointments",
        content=b"x" * (1_048_576 + 1),
        headers={"Content-Type": "text/plain"},
    )

    assert_error(response, 413, "body_too_large")


def test_accepts_a_body_of_exactly_one_mebibyte(client: TestClient) -> None:
    body = b'{"name": "' + b" " * (1_048_576 - 12) + b'"}'
    assert len(body) == 1_048_576

    response = client.post(
        "/v1/appointments", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400  # past the size check: the fields are wrong


def test_refuses_an_unknown_query_parameter(client: TestClient) -> None:
    created = create(client)

    response = client.get(f"/v1/appointments/{created['id']}?expand=all")

    assert_error(response, 400, "parameter_unknown", "expand")


@pytest.mark.parametrize("value", ["1", "yes", "True", ""])
def test_list_booleans_are_true_or_false_only(client: TestClient, value: str) -> None:
    response = client.get(f"/v1/appointments?internal={value}")

    assert_error(response, 400, "parameter_invalid", "internal")


def test_an_unknown_appointment_is_missing(client: TestClient) -> None:
    response = client.get("/v1/appointments/appt_00000000000000000000")

    assert_error(response, 404, "resource_missing", "id")


def test_a_malformed_id_is_missing_not_an_error(client: TestClient) -> None:
    response = client.get("/v1/appointments/not-an-id")

    assert_error(response, 404, "resource_missing", "id")


def test_an_unknown_route_is_missing(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")

    assert_error(response, 404, "resource_missing", None)


def test_refuses_a_nul_character_in_a_query_value(client: TestClient) -> None:
    response = client.get("/v1/appointments", params={"host": "a\x00b"})

    assert_error(response, 400, "parameter_invalid", "host")
