"""A small store whose analytics numbers are worked out by hand.

The clock starts at 2026-01-01T00:00Z and moves only by the advances below;
every status change happens at a known minute ("t+N" below).

host_a, single appointments, all booked at t+0:
  A1 2026-01-05 10:00Z, p1: confirmed t+60, in_progress t+180, completed t+210
  A2 2026-01-05 14:00Z, p2: no_show t+220
  A3 2026-01-05 23:30Z (ends the next day), p1: cancelled t+225
  A4 2026-01-06 10:00Z, p2: still scheduled
host_b, a weekly series of 4 (Europe/Berlin, Mondays 09:00 local = 08:00Z),
  attendees p1 and p3, created t+225:
  2026-01-12: as the series (scheduled)
  2026-01-19: p1 marked a no-show, then the occurrence no_show, at t+240
  2026-01-26: cancelled at t+260
  2026-02-02: as the series (scheduled)
"""

from __future__ import annotations

from dataclasses import dataclass

from application.service import AppointmentsApplication
from tests.builders import HOUR_MS, a_draft
from tests.fakes import ManualClock

MINUTE_MS = 60_000
DAY_MS = 24 * HOUR_MS
JAN_5_10H = 1_767_607_200_000  # 2026-01-05T10:00:00Z
JAN_12_08H = 1_768_204_800_000  # 2026-01-12T08:00:00Z (09:00 in Berlin)
WEEK_MS = 7 * DAY_MS


@dataclass(frozen=True)
class Seeded:
    singles: list[str]
    series: str

    def occurrence(self, week: int) -> str:
        return f"{self.series}_{JAN_12_08H + week * WEEK_MS}"


def seed(app: AppointmentsApplication, clock: ManualClock) -> Seeded:
    singles = [
        single(app, JAN_5_10H, "p1"),
        single(app, JAN_5_10H + 4 * HOUR_MS, "p2"),
        single(app, JAN_5_10H + 13 * HOUR_MS + 30 * MINUTE_MS, "p1"),
        single(app, JAN_5_10H + DAY_MS, "p2"),
    ]
    a1, a2, a3 = singles[:3]
    for minutes, status in ((60, "confirmed"), (120, "in_progress"), (30, "completed")):
        clock.advance(minutes * MINUTE_MS)
        change(app, a1, status)
    clock.advance(10 * MINUTE_MS)
    change(app, a2, "no_show")
    clock.advance(5 * MINUTE_MS)
    change(app, a3, "cancelled")
    seeded = Seeded(singles, series(app))
    clock.advance(15 * MINUTE_MS)
    app.change_attendee(
        seeded.occurrence(1), "p1", changed_by="desk", changes={"no_show": True}
    )
    change(app, seeded.occurrence(1), "no_show")
    clock.advance(20 * MINUTE_MS)
    change(app, seeded.occurrence(2), "cancelled")
    return seeded


def single(app: AppointmentsApplication, start: int, attendee: str) -> str:
    draft = a_draft(
        host="host_a", attendees=[attendee], start_time=start, end_time=start + HOUR_MS
    )
    return str(app.schedule(draft).document["id"])


def series(app: AppointmentsApplication) -> str:
    draft = a_draft(
        host="host_b",
        group=True,
        attendees=["p1", "p3"],
        start_time=JAN_12_08H,
        end_time=JAN_12_08H + HOUR_MS,
        recurring={
            "is_recurring": True,
            "rule": "FREQ=WEEKLY;COUNT=4",
            "timezone": "Europe/Berlin",
        },
    )
    return str(app.schedule(draft).document["id"])


def change(app: AppointmentsApplication, appointment_id: str, status: str) -> None:
    app.change_status(appointment_id, status=status, changed_by="desk")
