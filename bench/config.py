"""What a run does: a named profile (smoke, quick, full), then overrides."""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class BenchConfig:
    profile: str
    appointments: int
    extra_events: int
    hosts: int
    seed_threads: int
    duration: float
    warmup: float
    create_concurrencies: tuple[int, ...] = (1, 8, 32)
    read_concurrency: int = 32
    latency_concurrency: int = 1
    lag_concurrency: int = 32
    db_limit_concurrency: int = 32
    workers: int = 1
    pool_size: int = 5
    read_your_writes_timeout: float = 5.0
    load_processes: int = 1
    rounds: int = 1
    rebuild_batch: int = 1_000
    retrieve_ids: int = 10_000
    list_windows: int = 2_000
    database_url: str | None = None
    read_database_url: str | None = None
    """A streaming replica of the database's server: the service reads from it."""
    keep_database: bool = False
    output: Path = RESULTS / "latest.json"
    py_spy: bool = False
    profile_rebuild: bool = False

    def settings(self) -> dict[str, Any]:
        """The settings a report records (no database URL: it may hold secrets)."""
        shown = asdict(self)
        for private in ("database_url", "read_database_url", "output"):
            shown.pop(private)
        shown["read_replica"] = self.read_database_url is not None
        return shown


PROFILES = {
    "smoke": BenchConfig(
        "smoke", appointments=40, extra_events=40, hosts=4, seed_threads=2,
        duration=1.0, warmup=0.3, retrieve_ids=40, list_windows=20,
    ),
    "quick": BenchConfig(
        "quick", appointments=2_000, extra_events=3_000, hosts=100, seed_threads=4,
        duration=4.0, warmup=1.0,
    ),
    "full": BenchConfig(
        "full", appointments=100_000, extra_events=400_000, hosts=1_000,
        seed_threads=4, duration=10.0, warmup=2.0, rounds=3,
    ),
}  # fmt: skip


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark the service against same-run baselines.",
    )
    p.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    p.add_argument("--appointments", type=int, help="appointments to seed")
    p.add_argument("--extra-events", type=int, help="events to add by updates")
    p.add_argument("--duration", type=float, help="seconds per measured phase")
    p.add_argument("--warmup", type=float, help="unmeasured seconds per phase")
    p.add_argument("--workers", type=int, help="uvicorn workers (service, baseline)")
    p.add_argument("--pool-size", type=int, help="database pool size (both)")
    p.add_argument("--load-processes", type=int, help="load-generating processes")
    p.add_argument("--rounds", type=int, help="paired rounds (figures: medians)")
    p.add_argument("--rebuild-batch", type=int, help="events per rebuild batch")
    p.add_argument("--database-url", help="a server to create the database on")
    p.add_argument("--read-database-url",
                   help="a streaming replica of that server: the service reads "
                   "from it (APPOINTMENTS_READ_DATABASE_URL)")  # fmt: skip
    p.add_argument("--output", type=Path, help="the JSON report's path")
    p.add_argument("--keep-database", action="store_true", default=None)
    p.add_argument("--py-spy", action="store_true", default=None,
                   help="also record py-spy profiles of the service")  # fmt: skip
    p.add_argument("--profile-rebuild", action="store_true", default=None,
                   help="profile the rebuild with pyinstrument")  # fmt: skip
    return p


def parse(argv: list[str] | None = None) -> BenchConfig:
    args = vars(parser().parse_args(argv))
    config = PROFILES[args.pop("profile")]
    overrides = {k: v for k, v in args.items() if v is not None}
    return replace(config, **overrides)
