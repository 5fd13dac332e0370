"""The requests every phase sends: the same bodies and queries for the
service and its baselines, so their figures compare like with like."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BASE_TIME_MS = 1_893_456_000_000  # 2030-01-01T00:00Z
SLOT_MS = 3_600_000
DURATION_MS = 1_800_000
LIST_WINDOW_SLOTS = 24
"""A list asks for one host's appointments in a 24-slot window (one day)."""


def appointment_body(host: str, attendee: str, slot: int) -> dict[str, Any]:
    """A create body: one attendee, a video call, its own hour slot."""
    start = BASE_TIME_MS + slot * SLOT_MS
    return {
        "name": "Annual check-in",
        "description": "Yearly review of care plan, medication and follow-ups.",
        "group": False,
        "internal": False,
        "start_time": start,
        "end_time": start + DURATION_MS,
        "host": host,
        "attendees": [attendee],
        "created_by": "bench_scheduler",
    }


def seed_body(index: int, hosts: int) -> dict[str, Any]:
    """The ``index``-th seeded appointment: hosts take turns, each host's
    appointments in consecutive slots, so none overlaps another of its host's."""
    return appointment_body(
        host=seed_host(index % hosts), attendee=f"patient_{index}", slot=index // hosts
    )


def seed_host(number: int) -> str:
    return f"host_{number}"


def load_body(tag: str, worker: int, number: int) -> dict[str, Any]:
    """A create under load: a host of its own, so no create conflicts with another."""
    return appointment_body(
        host=f"load_{tag}_{worker}_{number}",
        attendee=f"guest_{tag}_{worker}_{number}",
        slot=number,
    )


@dataclass(frozen=True)
class ListWindow:
    host: str
    start_time_gte: int
    start_time_lt: int

    def params(self) -> dict[str, str]:
        return {
            "host": self.host,
            "start_time_gte": str(self.start_time_gte),
            "start_time_lt": str(self.start_time_lt),
        }


def list_windows(
    appointments: int, hosts: int, count: int, seed: int
) -> list[ListWindow]:
    """Windows over the seeded hosts' slots, each holding up to 24 appointments."""
    rng = random.Random(seed)
    slots = max(1, appointments // max(hosts, 1))
    windows = []
    for _ in range(count):
        first = rng.randrange(max(1, slots - LIST_WINDOW_SLOTS + 1))
        start = BASE_TIME_MS + first * SLOT_MS
        windows.append(
            ListWindow(
                host=seed_host(rng.randrange(hosts)),
                start_time_gte=start,
                start_time_lt=start + LIST_WINDOW_SLOTS * SLOT_MS,
            )
        )
    return windows


@dataclass(frozen=True)
class Workload:
    """What the read phases ask for: stored ids and list windows."""

    ids: list[str]
    windows: list[ListWindow]

    def write(self, path: Path) -> None:
        data = {"ids": self.ids, "windows": [w.__dict__ for w in self.windows]}
        path.write_text(json.dumps(data))

    @classmethod
    def read(cls, path: Path) -> Workload:
        data = json.loads(path.read_text())
        return cls(data["ids"], [ListWindow(**w) for w in data["windows"]])
