"""The event feed while writers are busy: a reader paging through from 0
sees every event exactly once, in increasing position order."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from application.service import AppointmentsApplication
from domain.values import Document
from tests.builders import HOUR_MS, START, a_draft

WRITERS = 4
APPOINTMENTS_PER_WRITER = 2
CHANGES = 10
PAGE = 7


def write(app: AppointmentsApplication, writer: int) -> None:
    """Create this writer's appointments, then change them in turns."""
    ids = [
        app.schedule(
            a_draft(
                host=f"host_{writer}_{n}",
                attendees=[f"patient_{writer}_{n}"],
                start_time=START + n * HOUR_MS,
                end_time=START + (n + 1) * HOUR_MS,
            )
        ).document["id"]
        for n in range(APPOINTMENTS_PER_WRITER)
    ]
    for step in range(CHANGES):
        for appointment_id in ids:
            app.update(
                appointment_id, changed_by="user_writer", changes={"name": f"N{step}"}
            )


def read_until_caught_up(
    app: AppointmentsApplication, writers_done: threading.Event
) -> list[Document]:
    items: list[Document] = []
    after = 0
    while True:
        finished = writers_done.is_set()
        page = app.feed(after=after, limit=PAGE)
        items.extend(page.items)
        if page.items:
            after = page.items[-1]["id"]
        elif finished:
            return items
        else:
            time.sleep(0.002)


def test_a_reader_sees_every_event_once_in_order_while_writers_write(
    app: AppointmentsApplication,
) -> None:
    writers_done = threading.Event()
    with ThreadPoolExecutor(WRITERS + 1) as pool:
        reader = pool.submit(read_until_caught_up, app, writers_done)
        writers = [pool.submit(write, app, n) for n in range(WRITERS)]
        for writer in writers:
            writer.result(timeout=30)
        writers_done.set()
        items = reader.result(timeout=30)

    positions = [item["id"] for item in items]
    assert positions == sorted(set(positions))
    recorded = app.recorder.select_notifications(start=1, limit=10_000)
    assert [(i["id"], i["appointment"], i["version"]) for i in items] == [
        (n.id, n.originator_id, n.originator_version) for n in recorded
    ]
    assert len(items) == WRITERS * APPOINTMENTS_PER_WRITER * (1 + CHANGES)


def test_each_item_carries_the_appointment_right_after_its_event(
    app: AppointmentsApplication,
) -> None:
    write(app, 0)

    items = read_until_caught_up(app, already_done())

    for item in items:
        state = app.get_at_version(item["appointment"], item["version"])
        assert item["data"]["object"] == state.document


def already_done() -> threading.Event:
    event = threading.Event()
    event.set()
    return event
