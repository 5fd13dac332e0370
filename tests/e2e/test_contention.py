"""CONTRACT section 7: concurrent writes without If-Match are all applied, one
after another. Thirty-two writers on one appointment through two API processes."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle

import httpx

START = 1_767_261_600_000
HOUR = 3_600_000
WRITERS = 32


def an_appointment(base_url: str, auth: dict[str, str]) -> str:
    body = {
        "name": "Contended",
        "description": "",
        "group": False,
        "internal": False,
        "start_time": START,
        "end_time": START + HOUR,
        "host": "contended_host",
        "attendees": ["contended_patient"],
        "created_by": "contention",
    }
    response = httpx.post(
        base_url + "/v1/appointments", json=body, headers=auth, timeout=30
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_thirty_two_writers_on_one_appointment_are_all_applied(
    start_server: Callable[[], str], auth: dict[str, str]
) -> None:
    servers = [start_server(), start_server()]
    appointment_id = an_appointment(servers[0], auth)
    targets = cycle(servers)
    jobs = [(next(targets), f"note {n}") for n in range(WRITERS)]
    barrier = threading.Barrier(WRITERS)

    def patch(job: tuple[str, str]) -> httpx.Response:
        base_url, note = job
        barrier.wait()
        return httpx.patch(
            f"{base_url}/v1/appointments/{appointment_id}",
            json={"visit_note": note, "updated_by": "contention"},
            headers=auth,
            timeout=60,
        )

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        responses = list(pool.map(patch, jobs))
    seconds = time.monotonic() - started

    statuses = Counter(r.status_code for r in responses)
    print(
        f"\n{WRITERS} writers, 2 processes: {dict(statuses)} in {seconds:.2f}s "
        f"({WRITERS / seconds:.1f} writes/s)"
    )
    assert statuses == {200: WRITERS}, [r.text for r in responses if r.is_error]
    final = httpx.get(
        f"{servers[1]}/v1/appointments/{appointment_id}", headers=auth, timeout=10
    )
    assert version_of(final) == WRITERS + 1
    assert sorted(version_of(r) for r in responses) == list(range(2, WRITERS + 2))
    last = next(r for r in responses if version_of(r) == WRITERS + 1)
    assert final.json()["visit_note"] == last.json()["visit_note"]


def version_of(response: httpx.Response) -> int:
    return int(response.headers["ETag"].strip('"'))
