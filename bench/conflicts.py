"""What the schedule-conflict constraint costs creates, at concurrency 32.

``python -m bench.conflicts [--database-url URL] [--creates N] [--rounds R]``

Creates go through the application (group commit, the occupancy rows, the
exclusion constraint) from 32 threads, with nobody overlapping anybody, in
alternating rounds of two kinds:

- exclusive: the default booking, checked by the exclusion constraint and the
  query against opted-out slots;
- opted out: ``allow_overlap``, the same rows written but checked by nothing;
- no occupancy: the aggregate saved straight to the event store with no
  occupancy rows at all, as before conflicts were enforced.

In-person appointments, so no video link is booked in any of them. The
figures are ratios of their rates in the same run (medians over rounds); the
machine is shared, so absolute rates mean little.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from application.service import AppointmentsApplication
from application.video import LocalVideoMeetings
from domain.appointment import Appointment
from domain.draft import AppointmentDraft
from domain.ids import new_appointment_id
from infrastructure.bootstrap import bootstrap
from infrastructure.database import drop_schema
from infrastructure.settings import load_settings

CONCURRENCY = 32
START = 1_893_456_000_000  # 2030-01-01T00:00Z
HOUR = 3_600_000


def draft(tag: str, number: int, *, allow_overlap: bool) -> AppointmentDraft:
    """A host and a patient of its own: no create conflicts with another."""
    start = START + number * HOUR
    return AppointmentDraft(
        name="Check-in",
        description="",
        group=False,
        internal=False,
        start_time=start,
        end_time=start + HOUR // 2,
        host=f"host_{tag}_{number}",
        attendees=[f"patient_{tag}_{number}"],
        created_by="bench",
        interaction_type="in_person",
        location={"address": "1 Main Street"},
        allow_overlap=allow_overlap,
    )


MODES = ("exclusive", "opted out", "no occupancy")


def creator(app: AppointmentsApplication, mode: str) -> Callable[[int], object]:
    """One create of ``mode``, numbered so every host is a new one."""
    tag = uuid.uuid4().hex[:6]
    if mode == "no occupancy":
        return lambda n: app.save(
            Appointment.schedule(
                appointment_id=new_appointment_id(),
                draft=draft(tag, n, allow_overlap=False),
                video_call=None,
                at=START,
            )
        )
    opted = mode == "opted out"
    return lambda n: app.schedule(draft(tag, n, allow_overlap=opted))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--creates", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    settings = load_settings(database_pool_size=CONCURRENCY // 2)
    schema = "bench_conflicts_" + uuid.uuid4().hex[:8]
    container = bootstrap(
        settings,
        database_url=args.database_url,
        schema=schema,
        video=LocalVideoMeetings(),
    )
    rates: dict[str, list[float]] = {mode: [] for mode in MODES}
    try:
        for _ in range(args.rounds):
            for mode in MODES:
                create = creator(container.app, mode)
                began = time.perf_counter()
                with ThreadPoolExecutor(CONCURRENCY) as pool:
                    list(pool.map(create, range(args.creates)))
                rates[mode].append(args.creates / (time.perf_counter() - began))
    finally:
        url = container.database_url
        container.close()
        drop_schema(url, schema)
    medians = {mode: statistics.median(rates[mode]) for mode in MODES}
    baseline = medians["no occupancy"]
    print(f"creates/s at concurrency {CONCURRENCY}, medians of {args.rounds} rounds")
    for mode, rate in medians.items():
        print(f"  {mode:<13} {rate:8.0f}/s  {rate / baseline:5.2f}x no occupancy")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
