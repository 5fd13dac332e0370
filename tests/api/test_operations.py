"""What an operator relies on: the browsable docs without internet access, and
the event store's and projections' figures in ``/metrics``."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api.conftest import create

ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


def test_the_docs_page_loads_its_assets_from_the_service_itself(
    client: TestClient,
) -> None:
    page = client.get("/docs")

    assert page.status_code == 200
    assets = ASSET.findall(page.text)
    assert any(a.endswith(".js") for a in assets)
    assert any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert asset.startswith("/"), asset
        assert client.get(asset).status_code == 200, asset
    assert "cdn" not in page.text


def metric(text: str, name: str, labels: str = "") -> float:
    pattern = re.escape(name + (f"{{{labels}}}" if labels else "")) + r" (\S+)"
    found = re.search("^" + pattern + "$", text, re.MULTILINE)
    assert found, f"{name}{labels} not in /metrics"
    return float(found.group(1))


def test_metrics_show_events_appended_group_sizes_lag_and_pools(
    client: TestClient,
) -> None:
    before = client.get("/metrics").text
    create(client)
    create(client, host="other_host", attendees=["other_patient"])

    text = client.get("/metrics").text

    appended = metric(text, "appointments_events_appended_total")
    assert appended == metric(before, "appointments_events_appended_total") + 2
    assert metric(text, "appointments_group_commit_saves_count") >= 2
    metric(text, "appointments_group_commit_fallbacks_total")
    assert metric(text, "appointments_projection_lag") == 0
    assert metric(text, "appointments_projection_position") == metric(
        text, "appointments_event_store_position"
    )
    size = metric(text, "appointments_db_pool", 'figure="pool_size",pool="event_store"')
    assert size >= 1
    metric(text, "appointments_db_pool", 'figure="requests_waiting",pool="read_model"')
