"""A list page is spliced from the response bodies the projection stored:
the same bytes as rendering the page's documents, for stored rows, expanded
occurrences and rows stored before bodies were."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from psycopg.sql import SQL

from application.queries import ListQuery
from infrastructure.bootstrap import Container
from tests.api.conftest import create
from tests.api.test_recurring import DAY, MONDAY, a_series

WINDOW = {"start_time_gte": MONDAY, "start_time_lt": MONDAY + 21 * DAY}


def rendered_from_documents(container: Container, **params: Any) -> bytes:
    """What the list answered before it spliced bodies: its documents, rendered."""
    page = container.read_model.list(ListQuery(**params))
    body = {"object": "list", "data": page.data, "has_more": page.has_more}
    return bytes(JSONResponse(body).body)


@pytest.fixture
def stored(client: TestClient) -> None:
    create(client, name="Zoë \u2028 ✓", metadata={"zz": "1", "a": "é"})
    create(client, start_time=MONDAY + DAY, end_time=MONDAY + DAY + 1_800_000)
    series = a_series(client)
    client.patch(
        f"/v1/appointments/{series['id']}_{MONDAY + 7 * DAY}",
        json={"updated_by": "u", "name": "Moved on its own"},
    )


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize(
    "params",
    [{"limit": 10}, {"limit": 2}, {**WINDOW, "limit": 10}, {**WINDOW, "limit": 3}],
    ids=["all", "first-two", "window", "window-first-three"],
)
def test_a_page_is_the_bytes_its_documents_render_to(
    client: TestClient, container: Container, params: dict[str, Any]
) -> None:
    listed = client.get("/v1/appointments", params=params)

    assert listed.status_code == 200
    assert listed.headers["Content-Type"] == "application/json"
    assert listed.content == rendered_from_documents(container, **params)


@pytest.mark.usefixtures("stored")
def test_rows_stored_before_bodies_are_listed_the_same(
    client: TestClient, container: Container
) -> None:
    before = client.get("/v1/appointments", params=WINDOW).content
    view = container.projections.view
    with view.datastore.transaction(commit=True) as curs:
        curs.execute(
            SQL("UPDATE {t} SET document_json = NULL").format(
                t=view.tables.appointments
            )
        )

    assert client.get("/v1/appointments", params=WINDOW).content == before
