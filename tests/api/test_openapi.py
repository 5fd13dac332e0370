"""The OpenAPI document says what the service checks; an unsupported method
is answered 405 with the path's methods in ``Allow``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import assert_error, create

ONE = "/v1/appointments/{appointment_id}"
IF_MATCH_VALUES = ['"2"', 'W/"2"', "2", "*", '"2', "two", "", '"-1"', "W/2"]


def parameter(document: dict[str, Any], path: str, method: str, name: str) -> Any:
    operation = document["paths"][path][method]
    return next(p for p in operation["parameters"] if p["name"] == name)


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("value", IF_MATCH_VALUES)
def test_if_match_is_accepted_exactly_when_its_pattern_matches(
    client: TestClient, document: dict[str, Any], value: str
) -> None:
    schema = parameter(document, ONE, "patch", "if-match")["schema"]
    appointment = create(client)

    response = client.patch(
        f"/v1/appointments/{appointment['id']}",
        json={"updated_by": "u1", "name": "Renamed"},
        headers={"If-Match": value},
    )

    if re.fullmatch(schema["pattern"], value):
        assert response.status_code in (200, 412), response.text
    else:
        assert_error(response, 400, "parameter_invalid", "If-Match")


def test_version_starts_at_one_and_starting_after_is_an_appointment_id(
    client: TestClient, document: dict[str, Any]
) -> None:
    version = parameter(document, ONE, "get", "version")["schema"]
    starting_after = parameter(document, "/v1/appointments", "get", "starting_after")
    appointment = create(client)

    assert version["minimum"] == 1
    assert re.fullmatch(starting_after["schema"]["pattern"], appointment["id"])
    assert not re.fullmatch(starting_after["schema"]["pattern"], "")
    refused = client.get(f"/v1/appointments/{appointment['id']}?version=0")
    assert_error(refused, 400, "parameter_invalid", "version")
    refused = client.get("/v1/appointments?starting_after=")
    assert_error(refused, 400, "parameter_invalid", "starting_after")


def test_no_parameter_is_nullable_and_no_text_holds_nul(
    document: dict[str, Any],
) -> None:
    for path_item in document["paths"].values():
        for operation in path_item.values():
            for each in operation.get("parameters", []):
                assert "anyOf" not in each["schema"], each
                if each["schema"].get("type") == "string":
                    assert "pattern" in each["schema"] or "enum" in each["schema"]
    name = document["components"]["schemas"]["AppointmentCreate"]["properties"]["name"]
    assert not re.fullmatch(name["pattern"], "a\x00b")


def test_a_created_appointment_links_to_the_operations_that_take_it(
    document: dict[str, Any],
) -> None:
    created = document["paths"]["/v1/appointments"]["post"]["responses"]["201"]
    links = created["links"]
    targets = {
        document["paths"][path][method]["operationId"]
        for path, method in [
            (ONE, "get"),
            (ONE, "patch"),
            (f"{ONE}/status", "post"),
            (f"{ONE}/reschedule", "post"),
            (f"{ONE}/change_log", "get"),
            ("/v1/change_logs/{change_log_id}", "get"),
            ("/v1/appointments", "get"),
            ("/v1/availability", "get"),
        ]
    }
    assert targets <= set(links)
    retrieve = document["paths"][ONE]["get"]["operationId"]
    assert links[retrieve]["parameters"] == {
        "path.appointment_id": "$response.body#/id"
    }


def test_the_document_pairs_this_and_following_with_the_ending_statuses_only(
    client: TestClient, document: dict[str, Any]
) -> None:
    schema = document["components"]["schemas"]["StatusChange"]
    appointment = create(client)

    refused = client.post(
        f"/v1/appointments/{appointment['id']}/status",
        json={"status": "confirmed", "changed_by": "u1", "scope": "this_and_following"},
    )

    assert schema["if"]["properties"] == {"scope": {"const": "this_and_following"}}
    assert schema["then"]["properties"]["status"]["enum"] == ["cancelled", "no_show"]
    assert_error(refused, 400, "parameter_invalid", "scope")


def test_a_created_webhook_endpoint_links_to_its_id_routes_and_list_cursor(
    document: dict[str, Any],
) -> None:
    endpoints = "/v1/webhook_endpoints"
    one = f"{endpoints}/{{endpoint_id}}"
    created = document["paths"][endpoints]["post"]["responses"]["201"]

    links = {
        link["operationId"]: link["parameters"] for link in created["links"].values()
    }

    by_id = {"path.endpoint_id": "$response.body#/id"}
    assert links == {
        operation_id(document, one, "get"): by_id,
        operation_id(document, one, "post"): by_id,
        operation_id(document, one, "delete"): by_id,
        operation_id(document, f"{one}/deliveries", "get"): by_id,
        operation_id(document, f"{one}/replay", "post"): by_id,
        operation_id(document, endpoints, "get"): {
            "query.starting_after": "$response.body#/id"
        },
    }


def test_every_link_names_parameters_its_target_takes(
    document: dict[str, Any],
) -> None:
    taken = {
        operation["operationId"]: {
            f"{p['in']}.{p['name']}" for p in operation.get("parameters", [])
        }
        for path_item in document["paths"].values()
        for operation in path_item.values()
    }
    webhook_operations = {
        operation["operationId"]
        for path, path_item in document["paths"].items()
        if path.startswith("/v1/webhook_endpoints")
        for operation in path_item.values()
    }
    appointment = document["paths"][ONE]["get"]["responses"]["200"]

    for path_item in document["paths"].values():
        for operation in path_item.values():
            for response in operation["responses"].values():
                for link in response.get("links", {}).values():
                    assert set(link["parameters"]) <= taken[link["operationId"]]
    assert not webhook_operations & set(appointment["links"])


def operation_id(document: dict[str, Any], path: str, method: str) -> str:
    return str(document["paths"][path][method]["operationId"])


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/v1/appointments", "GET, POST"),
        ("PUT", "/v1/appointments/appt_00000000000000000000", "GET, PATCH, POST"),
        ("GET", "/v1/appointments/appt_00000000000000000000/status", "POST"),
        ("TRACE", "/v1/events", "GET"),
    ],
)
def test_an_unsupported_method_is_405_with_the_paths_methods(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    response = client.request(method, path)

    assert_error(response, 405, "method_not_allowed")
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert response.headers["Allow"] == allowed
