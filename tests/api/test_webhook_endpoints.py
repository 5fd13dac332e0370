"""``/v1/webhook_endpoints`` over HTTP: create, list, retrieve, update,
delete, deliveries and replay, and the errors of each (CONTRACT 3 and 10)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import assert_error

PATH = "/v1/webhook_endpoints"
PUBLIC_URL = "https://93.184.216.34/hooks"


def create_endpoint(client: TestClient, **overrides: Any) -> dict[str, Any]:
    body = {"url": PUBLIC_URL, "enabled_events": ["*"], **overrides}
    response = client.post(PATH, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_creating_an_endpoint_shows_its_secret_once(client: TestClient) -> None:
    created = create_endpoint(
        client, enabled_events=["appointment.created"], description="Billing"
    )

    assert created["id"].startswith("we_")
    assert created["secret"].startswith("whsec_")
    assert len(created["secret"]) == len("whsec_") + 32
    assert {k: v for k, v in created.items() if k not in ("id", "created_at")} == {
        "object": "webhook_endpoint",
        "url": PUBLIC_URL,
        "enabled_events": ["appointment.created"],
        "description": "Billing",
        "status": "enabled",
        "disabled_reason": None,
        "secret": created["secret"],
    }
    retrieved = client.get(f"{PATH}/{created['id']}").json()
    listed = client.get(PATH).json()
    assert retrieved == {k: v for k, v in created.items() if k != "secret"}
    assert listed == {"object": "list", "data": [retrieved], "has_more": False}


def test_endpoints_are_listed_oldest_first_a_page_at_a_time(client: TestClient) -> None:
    ids = [create_endpoint(client)["id"] for _ in range(3)]

    first = client.get(PATH, params={"limit": 2}).json()
    rest = client.get(PATH, params={"limit": 2, "starting_after": ids[1]}).json()

    assert [e["id"] for e in first["data"]] == ids[:2]
    assert first["has_more"] is True
    assert [e["id"] for e in rest["data"]] == ids[2:]
    assert rest["has_more"] is False
    for unknown in ("we_nope", "we_" + "0" * 20):
        assert_error(
            client.get(PATH, params={"starting_after": unknown}),
            400,
            "parameter_invalid",
            "starting_after",
        )


def test_the_same_idempotency_key_creates_one_endpoint(client: TestClient) -> None:
    body = {"url": PUBLIC_URL, "enabled_events": ["*"]}
    headers = {"Idempotency-Key": "create-hook-1"}
    first = client.post(PATH, json=body, headers=headers)
    again = client.post(PATH, json=body, headers=headers)

    assert again.status_code == 201
    assert again.json() == first.json()
    assert len(client.get(PATH).json()["data"]) == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://localhost/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.8/hooks",
        "https://172.20.1.1/hooks",
        "https://192.168.0.1/hooks",
        "https://[::1]/hooks",
        "http://93.184.216.34/hooks",
        "not a url",
    ],
)
def test_urls_other_than_https_to_a_public_address_are_refused(
    client: TestClient, url: str
) -> None:
    response = client.post(PATH, json={"url": url, "enabled_events": ["*"]})
    assert_error(response, 400, "parameter_invalid", "url")
    assert client.get(PATH).json()["data"] == []


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        ({"enabled_events": ["*"]}, "parameter_missing", "url"),
        ({"url": PUBLIC_URL}, "parameter_missing", "enabled_events"),
        (
            {"url": PUBLIC_URL, "enabled_events": []},
            "parameter_invalid",
            "enabled_events",
        ),
        (
            {"url": PUBLIC_URL, "enabled_events": ["appointment.deleted"]},
            "parameter_invalid",
            "enabled_events",
        ),
        ({"url": 42, "enabled_events": ["*"]}, "parameter_invalid", "url"),
        (
            {"url": PUBLIC_URL, "enabled_events": ["*"], "secret": "mine"},
            "parameter_unknown",
            "secret",
        ),
    ],
)
def test_invalid_bodies_are_refused_with_the_field_named(
    client: TestClient, body: dict[str, Any], code: str, param: str
) -> None:
    assert_error(client.post(PATH, json=body), 400, code, param)


def test_an_unknown_endpoint_is_404_everywhere(client: TestClient) -> None:
    unknown = f"{PATH}/we_00000000000000000000"
    for response in (
        client.get(unknown),
        client.delete(unknown),
        client.post(unknown, json={"description": "x"}),
        client.get(f"{unknown}/deliveries"),
        client.post(f"{unknown}/replay", json={"after": 0}),
    ):
        assert_error(response, 404, "resource_missing", "id")


def test_deleting_an_endpoint(client: TestClient) -> None:
    endpoint_id = create_endpoint(client)["id"]

    response = client.delete(f"{PATH}/{endpoint_id}")

    assert response.status_code == 200
    assert response.json() == {
        "id": endpoint_id,
        "object": "webhook_endpoint",
        "deleted": True,
    }
    assert_error(client.get(f"{PATH}/{endpoint_id}"), 404, "resource_missing", "id")


def test_disabling_and_re_enabling_an_endpoint(client: TestClient) -> None:
    endpoint_id = create_endpoint(client)["id"]
    url = f"{PATH}/{endpoint_id}"

    disabled = client.post(url, json={"status": "disabled"}).json()
    enabled = client.post(url, json={"status": "enabled", "description": "On"}).json()

    assert (disabled["status"], disabled["disabled_reason"]) == (
        "disabled",
        "Disabled through the API.",
    )
    assert (enabled["status"], enabled["disabled_reason"]) == ("enabled", None)
    assert enabled["description"] == "On"
    assert client.get(url).json() == enabled


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        ({"status": "paused"}, "parameter_invalid", "status"),
        ({"url": "https://10.0.0.1/x"}, "parameter_invalid", "url"),
        ({"secret": "whsec_x"}, "parameter_unknown", "secret"),
        ({"enabled_events": []}, "parameter_invalid", "enabled_events"),
    ],
)
def test_invalid_updates_are_refused(
    client: TestClient, body: dict[str, Any], code: str, param: str
) -> None:
    endpoint_id = create_endpoint(client)["id"]
    assert_error(client.post(f"{PATH}/{endpoint_id}", json=body), 400, code, param)


def test_a_new_endpoint_has_no_deliveries(client: TestClient) -> None:
    endpoint_id = create_endpoint(client)["id"]
    response = client.get(f"{PATH}/{endpoint_id}/deliveries")
    assert response.json() == {"object": "list", "data": [], "has_more": False}


def test_replay_is_accepted(client: TestClient) -> None:
    endpoint_id = create_endpoint(client)["id"]

    response = client.post(f"{PATH}/{endpoint_id}/replay", json={"after": 0})

    assert response.status_code == 202
    assert response.json() == {
        "object": "webhook_replay",
        "webhook_endpoint": endpoint_id,
        "after": 0,
    }


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "parameter_missing"),
        ({"after": -1}, "parameter_invalid"),
        ({"after": "3"}, "parameter_invalid"),
        ({"after": True}, "parameter_invalid"),
    ],
)
def test_replay_needs_a_position(
    client: TestClient, body: dict[str, Any], code: str
) -> None:
    endpoint_id = create_endpoint(client)["id"]
    response = client.post(f"{PATH}/{endpoint_id}/replay", json=body)
    assert_error(response, 400, code, "after")
