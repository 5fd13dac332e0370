"""Seeding through the application: creates, then cheap extra events.

Runs in this process against the bench database through the composition
root (``bootstrap``), with a few threads; the service is not running yet,
so nothing projects meanwhile (the rebuild then builds the read model).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from time import perf_counter

from rich.progress import Progress

from application.service import AppointmentsApplication
from bench.workload import seed_body
from domain.draft import AppointmentDraft

CHUNK = 1000


@dataclass(frozen=True)
class Seeded:
    ids: list[str]
    created_per_s: float
    changed_per_s: float


def in_chunks(
    work: Callable[[int], str | None],
    count: int,
    threads: int,
    on_done: Callable[[int], None],
) -> list[str | None]:
    results: list[str | None] = []
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for first in range(0, count, CHUNK):
            chunk: Iterable[str | None] = pool.map(
                work, range(first, min(first + CHUNK, count))
            )
            results.extend(chunk)
            on_done(len(results))
    return results


def create_appointments(
    app: AppointmentsApplication, count: int, hosts: int, threads: int, bar: Progress
) -> list[str]:
    task = bar.add_task("seed appointments", total=count)

    def create(index: int) -> str:
        draft = AppointmentDraft(**seed_body(index, hosts))
        return str(app.schedule(draft).document["id"])

    created = in_chunks(
        create, count, threads, lambda done: bar.update(task, completed=done)
    )
    return [str(each) for each in created]


def change_appointments(
    app: AppointmentsApplication,
    ids: list[str],
    count: int,
    threads: int,
    bar: Progress,
) -> None:
    """``count`` more events: description updates and attendee changes in turn,
    each one a real change (so each records an event)."""
    task = bar.add_task("seed extra events", total=count)

    def change(number: int) -> None:
        index, round_ = number % len(ids), number // len(ids)
        if round_ % 2 == 0:
            app.update(
                ids[index],
                changed_by="bench_editor",
                changes={"description": f"Revision {round_}"},
            )
            return
        status = "maybe" if (round_ // 2) % 2 == 0 else "going"
        app.change_attendee(
            ids[index],
            f"patient_{index}",
            changed_by="bench_editor",
            changes={"attendance_status": status},
        )

    in_chunks(change, count, threads, lambda done: bar.update(task, completed=done))


def seed(
    app: AppointmentsApplication,
    *,
    appointments: int,
    extra_events: int,
    hosts: int,
    threads: int,
    bar: Progress,
) -> Seeded:
    started = perf_counter()
    ids = create_appointments(app, appointments, hosts, threads, bar)
    created_at = perf_counter()
    if extra_events and ids:
        change_appointments(app, ids, extra_events, threads, bar)
    finished = perf_counter()
    return Seeded(
        ids=ids,
        created_per_s=round(appointments / max(created_at - started, 1e-9), 1),
        changed_per_s=round(extra_events / max(finished - created_at, 1e-9), 1),
    )
