"""Fifty clients race for one host's slot through two API processes."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle
from typing import Any

import httpx

START = 1_767_261_600_000
HOUR = 3_600_000
CLIENTS = 50


def booking(index: int) -> dict[str, Any]:
    """The same host and slot for everyone; a patient of their own each."""
    return {
        "name": f"Race {index}",
        "description": "",
        "group": False,
        "internal": False,
        "start_time": START,
        "end_time": START + HOUR,
        "host": "race_host",
        "attendees": [f"patient_{index}"],
        "created_by": "race",
    }


def test_fifty_racing_creates_book_exactly_one(
    start_server: Callable[[], str], auth: dict[str, str]
) -> None:
    servers = [start_server(), start_server()]
    targets = cycle(servers)
    jobs = [(next(targets), booking(i)) for i in range(CLIENTS)]

    def post(job: tuple[str, dict[str, Any]]) -> httpx.Response:
        base_url, body = job
        headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
        return httpx.post(
            base_url + "/v1/appointments", json=body, headers=headers, timeout=30
        )

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        responses = list(pool.map(post, jobs))

    statuses = Counter(r.status_code for r in responses)
    print(f"statuses: {dict(statuses)}")
    assert statuses == {201: 1, 409: CLIENTS - 1}
    winner = next(r.json() for r in responses if r.status_code == 201)
    for response in responses:
        if response.status_code == 409:
            error = response.json()["error"]
            assert error["code"] == "schedule_conflict"
            assert error["conflicts"] == [
                {"appointment": winner["id"], "user": "race_host"}
            ]
    listed = httpx.get(
        servers[0] + "/v1/appointments",
        params={"host": "race_host"},
        headers=auth,
        timeout=10,
    ).json()
    assert [a["id"] for a in listed["data"]] == [winner["id"]]
