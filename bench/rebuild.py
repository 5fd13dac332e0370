"""The rebuild rate: ``appointments projections rebuild``'s work, timed in
this process over every seeded event (replay into fresh tables, build their
indexes, swap them in)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

from rich.progress import Progress

from infrastructure.bootstrap import Container


@dataclass(frozen=True)
class Rebuilt:
    events: int
    seconds: float
    events_per_s: float
    replay_events_per_s: float
    """The replay alone, before the indexes are built and swapped in."""


@contextmanager
def pyinstrument_to(path: Path) -> Iterator[None]:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.005)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        path.write_text(profiler.output_text(unicode=False, color=False))


def timed_rebuild(
    container: Container,
    bar: Progress,
    *,
    batch_size: int,
    profile_to: Path | None = None,
    processes: int | None = None,
) -> Rebuilt:
    events = container.app.head_position()
    task = bar.add_task("rebuild", total=max(events, 1))
    replayed_at = [0.0]

    def on_progress(position: int, head: int) -> None:
        bar.update(task, completed=position, total=max(head, position, 1))
        replayed_at[0] = perf_counter()

    profiling = pyinstrument_to(profile_to) if profile_to else nullcontext()
    started = perf_counter()
    with profiling:
        container.projections.rebuild(
            batch_size=batch_size, on_progress=on_progress, processes=processes
        )
    seconds = perf_counter() - started
    replay_seconds = (replayed_at[0] or perf_counter()) - started
    return Rebuilt(
        events=events,
        seconds=round(seconds, 3),
        events_per_s=round(events / max(seconds, 1e-9), 1),
        replay_events_per_s=round(events / max(replay_seconds, 1e-9), 1),
    )
