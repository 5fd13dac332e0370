"""Where a phase's CPU goes: CPU seconds per second of load, by process group.

At concurrency 32 both the service and the CRUD baseline keep the cores busy,
so their throughputs compare as the CPU one request costs, summed over every
process it touches. ``python -m bench.ab ... --cpu`` divides each group's CPU
rate by the phase's requests per second: CPU milliseconds per request, for the
server's processes (the one measured and its workers), its projector process
(``serve --workers N`` starts one), PostgreSQL (every ``postgres`` process on
the machine) and everything else (chiefly the load generator, on a quiet
machine).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psutil

from bench.memory import process_tree

GROUPS = ("server", "projector", "postgres", "rest")


@dataclass
class Window:
    """CPU seconds each group used between two samples, and the seconds between."""

    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)

    def per_request_ms(self, per_s: float, seconds: float) -> dict[str, float]:
        """CPU ms per request, given the load's rate over its ``seconds``
        (the window also holds the moments after the load ended)."""
        requests = per_s * min(self.seconds, seconds)
        if not requests:
            return {}
        return {
            group: round(used / requests * 1000, 3) for group, used in self.cpu.items()
        }


def postgres() -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name"]):
        if (process.info["name"] or "").startswith("postgres"):
            found.append(process)
    return found


def cpu_seconds(processes: list[psutil.Process]) -> dict[int, float]:
    used = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        used[process.pid] = times.user + times.system
    return used


def machine_seconds() -> float:
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


def is_projector(process: psutil.Process) -> bool:
    """``appointments worker``, which ``serve --workers N`` starts."""
    try:
        return "worker" in process.cmdline()
    except psutil.Error:
        return False


def sample(server_pid: int) -> tuple[float, dict[str, dict[int, float]], float]:
    server = process_tree(server_pid)
    projector = [p for p in server if is_projector(p)]
    groups = {
        "server": cpu_seconds([p for p in server if p not in projector]),
        "projector": cpu_seconds(projector),
        "postgres": cpu_seconds(postgres()),
    }
    return time.monotonic(), groups, machine_seconds()


def difference(
    before: tuple[float, dict[str, dict[int, float]], float],
    after: tuple[float, dict[str, dict[int, float]], float],
) -> Window:
    """Per group, the CPU of processes seen at both samples (one that started
    or ended between them is counted in ``rest``)."""
    window = Window(seconds=after[0] - before[0])
    for group, end in after[1].items():
        start = before[1][group]
        window.cpu[group] = sum(end[pid] - start[pid] for pid in end if pid in start)
    window.cpu["rest"] = max(0.0, after[2] - before[2] - sum(window.cpu.values()))
    return window


@contextmanager
def accounted(server_pid: int, delay: float) -> Iterator[Window]:
    """The CPU used from ``delay`` seconds after entering (past the load's
    warm-up) until leaving; the window is filled in on leaving."""
    window = Window()
    first: list[tuple[float, dict[str, dict[int, float]], float]] = []
    timer = threading.Timer(delay, lambda: first.append(sample(server_pid)))
    timer.start()
    try:
        yield window
    finally:
        timer.cancel()
        timer.join()
        if first:
            measured = difference(first[0], sample(server_pid))
            window.seconds, window.cpu = measured.seconds, measured.cpu
