"""CONTRACT section 11 over HTTP: metadata on create and PATCH, every bad kind
refused with ``param: "metadata"``, and ``?metadata[KEY]=VALUE`` filters."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import HOUR, START, assert_error, create, create_body

DAY = 24 * HOUR
WEEKLY = {"is_recurring": True, "rule": "FREQ=WEEKLY;COUNT=3", "timezone": "UTC"}

BAD_METADATA: list[Any] = [
    pytest.param(["a"], id="a-list"),
    pytest.param("a=b", id="a-string"),
    pytest.param(None, id="null"),
    pytest.param({f"k{n}": "v" for n in range(51)}, id="51-keys"),
    pytest.param({"k" * 41: "v"}, id="key-41"),
    pytest.param({"": "v"}, id="empty-key"),
    pytest.param({"k": 1}, id="number-value"),
    pytest.param({"k": True}, id="boolean-value"),
    pytest.param({"k": None}, id="null-value"),
    pytest.param({"k": ["v"]}, id="list-value"),
    pytest.param({"k": "v" * 501}, id="value-501"),
    pytest.param({"k": "a\u0000b"}, id="value-nul"),
]


def in_hour(hour: int, **overrides: Any) -> dict[str, Any]:
    """A distinct patient and hour, so appointments never conflict."""
    start = START + hour * HOUR
    fields = {"start_time": start, "end_time": start + HOUR}
    return {"attendees": [f"patient_{hour}"], **fields, **overrides}


def ids(client: TestClient, **params: Any) -> list[str]:
    response = client.get("/v1/appointments", params=params)
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()["data"]]


@pytest.mark.parametrize("metadata", BAD_METADATA)
def test_create_refuses_bad_metadata(client: TestClient, metadata: Any) -> None:
    response = client.post("/v1/appointments", json=create_body(metadata=metadata))

    assert_error(response, 400, "parameter_invalid", "metadata")


@pytest.mark.parametrize("metadata", BAD_METADATA)
def test_patch_refuses_bad_metadata(client: TestClient, metadata: Any) -> None:
    appointment = create(client, metadata={"keep": "me"})

    response = client.patch(
        f"/v1/appointments/{appointment['id']}",
        json={"updated_by": "u", "metadata": metadata},
    )

    assert_error(response, 400, "parameter_invalid", "metadata")
    after = client.get(f"/v1/appointments/{appointment['id']}")
    assert after.json()["metadata"] == {"keep": "me"}


def test_patch_past_fifty_keys_is_refused(client: TestClient) -> None:
    appointment = create(client, metadata={f"a{n}": "v" for n in range(40)})

    response = client.patch(
        f"/v1/appointments/{appointment['id']}",
        json={"updated_by": "u", "metadata": {f"b{n}": "v" for n in range(11)}},
    )

    assert_error(response, 400, "parameter_invalid", "metadata")


def test_metadata_is_set_merged_removed_and_kept_in_each_version(
    client: TestClient,
) -> None:
    appointment = create(client, metadata={"ref": "A-1", "room": "4"})
    path = f"/v1/appointments/{appointment['id']}"

    patched = client.patch(
        path, json={"updated_by": "u", "metadata": {"room": "", "paid": "yes"}}
    )

    assert patched.status_code == 200, patched.text
    assert patched.json()["metadata"] == {"ref": "A-1", "paid": "yes"}
    assert patched.headers["ETag"] == '"2"'
    assert client.get(path).json()["metadata"] == {"ref": "A-1", "paid": "yes"}
    first = client.get(path, params={"version": 1}).json()
    assert first["metadata"] == {"ref": "A-1", "room": "4"}
    log = client.get(f"{path}/change_log").json()
    assert log["entries"][-1]["changes"] == {
        "metadata": {
            "from": {"ref": "A-1", "room": "4"},
            "to": {"ref": "A-1", "paid": "yes"},
        }
    }


def test_metadata_filters_are_anded(client: TestClient) -> None:
    both = create(client, **in_hour(1, metadata={"clinic": "north", "kind": "x"}))
    north = create(client, **in_hour(2, metadata={"clinic": "north"}))
    create(client, **in_hour(3, metadata={"clinic": "south", "kind": "x"}))
    create(client, **in_hour(4))

    assert ids(client, **{"metadata[clinic]": "north"}) == [both["id"], north["id"]]
    assert ids(client, **{"metadata[clinic]": "north", "metadata[kind]": "x"}) == [
        both["id"]
    ]
    assert ids(client, **{"metadata[clinic]": "east"}) == []
    assert ids(client, **{"metadata[kind]": "x", "host": "nobody"}) == []


def test_a_series_matches_with_its_occurrences(client: TestClient) -> None:
    series = create(client, **in_hour(5, metadata={"plan": "p"}, recurring=WEEKLY))
    window = {"start_time_gte": START, "start_time_lt": START + 30 * DAY}

    listed = ids(client, **{"metadata[plan]": "p"}, **window)

    assert listed == [
        f"{series['id']}_{START + 5 * HOUR + w * 7 * DAY}" for w in range(3)
    ]
    assert ids(client, **{"metadata[plan]": "q"}, **window) == []


BAD_FILTERS: list[Any] = [
    pytest.param({"metadata[]": "v"}, "parameter_invalid", "metadata", id="empty-key"),
    pytest.param(
        {f"metadata[{'k' * 41}]": "v"}, "parameter_invalid", "metadata", id="key-41"
    ),
    pytest.param(
        {"metadata[k]": "v" * 501}, "parameter_invalid", "metadata", id="value-501"
    ),
    pytest.param({"metadata[a\u0000]": "v"}, "parameter_invalid", "metadata", id="nul"),
    pytest.param({"metadata": "v"}, "parameter_unknown", "metadata", id="bare"),
    pytest.param({"metadata[k": "v"}, "parameter_unknown", "metadata[k", id="unclosed"),
]


@pytest.mark.parametrize(("params", "code", "param"), BAD_FILTERS)
def test_a_metadata_filter_no_metadata_can_match_is_refused(
    client: TestClient, params: dict[str, str], code: str, param: str
) -> None:
    response = client.get("/v1/appointments", params=params)

    assert_error(response, 400, code, param)


def test_a_key_asked_twice_is_refused(client: TestClient) -> None:
    response = client.get("/v1/appointments?metadata[k]=a&metadata[k]=b")

    assert_error(response, 400, "parameter_invalid", "metadata")


def test_the_openapi_document_describes_the_filter(client: TestClient) -> None:
    document = client.get("/openapi.json").json()

    parameters = document["paths"]["/v1/appointments"]["get"]["parameters"]
    (metadata,) = [p for p in parameters if p["name"] == "metadata"]
    assert (metadata["in"], metadata["style"], metadata["explode"]) == (
        "query",
        "deepObject",
        True,
    )
    create_schema = document["components"]["schemas"]["AppointmentCreate"]
    assert create_schema["properties"]["metadata"]["maxProperties"] == 50
