"""Calendar feed URLs: a secret token per feed, stored hashed, revocable;
``ETag``/``If-None-Match`` so polling an unchanged feed costs a ``304``."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from infrastructure.bootstrap import Container
from infrastructure.settings import Settings, load_settings
from tests.api.calendar_helpers import feed_url
from tests.api.conftest import assert_error, create

PUBLIC_URL = "https://appointments.clinic.example/"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(database_url=database_url, public_url=PUBLIC_URL)


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def test_creating_a_feed_returns_its_url_once(
    client: TestClient, container: Container
) -> None:
    response = client.post("/v1/calendar_feeds", json={"user": "user_host"})

    assert response.status_code == 201
    body = response.json()
    assert list(body) == ["id", "object", "user", "url"]
    assert body["id"].startswith("cf_")
    assert len(body["id"]) == 23
    assert body["object"] == "calendar_feed"
    assert body["user"] == "user_host"
    assert body["url"].startswith(
        "https://appointments.clinic.example/v1/calendars/user_host.ics?token=cft_"
    )
    token = token_of(body["url"])
    assert stored_rows(container) == [
        (body["id"], "user_host", hashlib.sha256(token.encode()).hexdigest())
    ]


def stored_rows(container: Container) -> list[tuple[str, str, str]]:
    datastore = container.projections.view.datastore
    with datastore.cursor() as curs:
        curs.execute(
            f'SELECT id, user_id, token_hash FROM "{datastore.schema}".'
            "appointments_calendar_feeds"
        )
        return [(r["id"], r["user_id"], r["token_hash"]) for r in curs.fetchall()]


def test_an_unchanged_feed_is_a_304_and_a_changed_one_is_not(
    client: TestClient,
) -> None:
    appointment = create(client)
    url = feed_url(client, "user_host")
    first = client.get(url)
    etag = first.headers["ETag"]

    unchanged = client.get(url, headers={"If-None-Match": etag})
    client.post(
        f"/v1/appointments/{appointment['id']}/status",
        json={"status": "confirmed", "changed_by": "desk"},
    )
    changed = client.get(url, headers={"If-None-Match": etag})

    assert first.status_code == 200
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["ETag"] == etag
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert b"SEQUENCE:1" in changed.content


def test_if_none_match_takes_a_list_and_weak_tags(client: TestClient) -> None:
    create(client)
    url = feed_url(client, "user_host")
    etag = client.get(url).headers["ETag"]

    listed = client.get(url, headers={"If-None-Match": f'"other", W/{etag}'})
    other = client.get(url, headers={"If-None-Match": '"other"'})

    assert (listed.status_code, other.status_code) == (304, 200)


def test_a_revoked_token_is_refused(client: TestClient) -> None:
    created = client.post("/v1/calendar_feeds", json={"user": "user_host"}).json()
    assert client.get(created["url"]).status_code == 200

    deleted = client.delete(f"/v1/calendar_feeds/{created['id']}")

    assert deleted.status_code == 200
    assert deleted.json() == {
        "id": created["id"],
        "object": "calendar_feed",
        "deleted": True,
    }
    refused = client.get(created["url"])
    assert_error(refused, 401, "calendar_token_invalid", "token")
    assert refused.json()["error"]["type"] == "authentication_error"
    assert token_of(created["url"]) not in refused.text


def test_a_token_grants_only_its_own_feed(client: TestClient) -> None:
    url = feed_url(client, "user_host")
    token = token_of(url)

    other = client.get("/v1/calendars/user_patient.ics", params={"token": token})
    unknown = client.get(
        "/v1/calendars/user_host.ics", params={"token": "cft_" + "x" * 43}
    )

    assert_error(other, 401, "calendar_token_invalid", "token")
    assert_error(unknown, 401, "calendar_token_invalid", "token")


def test_deleting_an_unknown_or_revoked_feed_is_404(client: TestClient) -> None:
    created = client.post("/v1/calendar_feeds", json={"user": "user_host"}).json()
    client.delete(f"/v1/calendar_feeds/{created['id']}")

    again = client.delete(f"/v1/calendar_feeds/{created['id']}")
    unknown = client.delete("/v1/calendar_feeds/cf_nosuchfeed")

    assert_error(again, 404, "resource_missing", "id")
    assert_error(unknown, 404, "resource_missing", "id")


def test_request_errors(client: TestClient) -> None:
    assert_error(
        client.post("/v1/calendar_feeds", json={}), 400, "parameter_missing", "user"
    )
    assert_error(
        client.post("/v1/calendar_feeds", json={"user": "u", "colour": "red"}),
        400,
        "parameter_unknown",
        "colour",
    )
    assert_error(
        client.post("/v1/calendar_feeds", json={"user": "not an id"}),
        400,
        "parameter_invalid",
        "user",
    )
    assert_error(
        client.get("/v1/calendars/user_host.ics", params={"tokn": "x"}),
        400,
        "parameter_unknown",
        "tokn",
    )
    assert_error(
        client.get("/v1/calendars/not%20an%20id.ics"),
        400,
        "parameter_invalid",
        "user_id",
    )


def test_an_idempotent_create_returns_the_same_feed(client: TestClient) -> None:
    headers = {"Idempotency-Key": "feed-1"}
    first = client.post("/v1/calendar_feeds", json={"user": "u"}, headers=headers)
    again = client.post("/v1/calendar_feeds", json={"user": "u"}, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
