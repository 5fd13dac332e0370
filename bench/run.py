"""``python -m bench``: seed, rebuild, then measure the service and its
baselines on one fresh database, and report the figures with their ratios.

1. A fresh database on the first server that answers (``bench.database``).
2. Seed through the application in this process (creates, then updates),
   then rebuild the read model from every event, timed.
3. ``appointments serve`` as a subprocess: retrieve, list, creates at each
   concurrency, creates with the projection-lag probe (and py-spy profiles
   when asked); its memory sampled throughout.
4. The baselines (``bench.baseline``) under uvicorn with the same workers:
   the same creates, retrieves and lists over a copy of the same
   appointments, and the constant document.
5. The database's own limit: locked single-row inserts (pgbench).
Every load comes from separate ``python -m bench.loadgen`` processes.
"""

from __future__ import annotations

import os
import platform
import random
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console

from application.video import LocalVideoMeetings
from bench import report
from bench.baseline.schema import copy_from_read_model
from bench.config import RESULTS, BenchConfig, parse
from bench.database import choose_server, fresh_database, redacted
from bench.dblimit import locked_inserts
from bench.drive import Phase, run_phase
from bench.lag import LagProbe, LagTables
from bench.memory import PeakMemory
from bench.profiling import recording
from bench.progress import progress_bar
from bench.rebuild import Rebuilt, timed_rebuild
from bench.seed import Seeded, seed
from bench.servers import (
    baseline_command,
    clean_environment,
    free_port,
    running,
    service_command,
)
from bench.stats import LoadResult
from bench.workload import Workload, list_windows
from infrastructure.bootstrap import bootstrap
from infrastructure.read_model.tables import APPOINTMENTS
from infrastructure.settings import load_settings

Phases = dict[str, LoadResult]


class Bench:
    """One run: its settings, its working folder, and what it has measured."""

    def __init__(self, config: BenchConfig, run_dir: Path, console: Console) -> None:
        self.config = config
        self.run_dir = run_dir
        self.console = console
        self.workload_path = run_dir / "workload.json"
        self.phases: Phases = {}

    def measure(self, name: str, scenario: str, base_url: str, concurrency: int,
                path: str = "/v1/appointments") -> LoadResult:  # fmt: skip
        phase = Phase(
            name=name,
            scenario=scenario,
            base_url=base_url,
            concurrency=concurrency,
            duration=self.config.duration,
            warmup=self.config.warmup,
            path=path,
            workload=self.workload_path,
        )
        result = run_phase(phase, processes=self.config.load_processes)
        self.phases[name] = result
        self.console.print(summary(name, result))
        return result


def summary(name: str, result: LoadResult) -> str:
    failed = sum(result.failures.values())
    line = (
        f"  {name:<22} {result.per_s:>9,.1f}/s  p50 {result.p50_ms:7.2f} ms"
        f"  p99 {result.p99_ms:7.2f} ms"
    )
    return line + (f"  [red]{failed} failed" if failed else "")


# --- 2. the store: seed and rebuild ------------------------------------------


def prepare_store(bench: Bench, url: str) -> tuple[Seeded, Rebuilt, LagTables]:
    config = bench.config
    settings = load_settings(database_url=url, database_pool_size=config.pool_size)
    container = bootstrap(settings, database_url=url, video=LocalVideoMeetings())
    try:
        with progress_bar(bench.console) as bar:
            seeded = seed(
                container.app,
                appointments=config.appointments,
                extra_events=config.extra_events,
                hosts=config.hosts,
                threads=config.seed_threads,
                bar=bar,
            )
            profile_to = bench.run_dir / "rebuild-pyinstrument.txt"
            rebuilt = timed_rebuild(
                container, bar, profile_to if config.profile_rebuild else None
            )
        tables = LagTables(
            schema=container.app.recorder.datastore.schema,  # type: ignore[attr-defined]
            events_table=container.app.recorder.events_table_name,  # type: ignore[attr-defined]
            tracking_table=container.read_model.tracking_table_name,
            application_name=container.read_model.application_name,
        )
    finally:
        container.close()
    return seeded, rebuilt, tables


def write_workload(bench: Bench, ids: list[str]) -> None:
    config = bench.config
    rng = random.Random(8)
    sample = rng.sample(ids, min(len(ids), config.retrieve_ids))
    windows = list_windows(config.appointments, config.hosts, config.list_windows, 8)
    Workload(sample, windows).write(bench.workload_path)


# --- 3. the service ----------------------------------------------------------


def service_phases(bench: Bench, base_url: str, url: str, tables: LagTables) -> Any:
    config = bench.config
    bench.measure("retrieve", "retrieve", base_url, config.read_concurrency)
    bench.measure("list_latency", "list", base_url, config.latency_concurrency)
    bench.measure("list_load", "list", base_url, config.read_concurrency)
    for c in config.create_concurrencies:
        bench.measure(f"create_c{c}", "create", base_url, c)
    with LagProbe(url, tables) as probe:
        bench.measure("lag_create", "create", base_url, config.lag_concurrency)
    return probe.result()


def profiled_phases(bench: Bench, base_url: str, pid: int) -> None:
    """Extra phases under py-spy; their collapsed stacks in ``profiles/``."""
    folder = bench.run_dir / "profiles"
    folder.mkdir(exist_ok=True)
    seconds = bench.config.warmup + bench.config.duration
    plans = (
        ("create_cpu", "create", bench.config.lag_concurrency, False),
        ("create_wall", "create", bench.config.lag_concurrency, True),
        ("retrieve_cpu", "retrieve", bench.config.read_concurrency, False),
        ("list_cpu", "list", bench.config.read_concurrency, False),
    )
    for name, scenario, concurrency, idle in plans:
        with recording(pid, seconds, folder / f"{name}.txt", idle=idle):
            bench.measure(f"profiled_{name}", scenario, base_url, concurrency)


def measure_service(
    bench: Bench, url: str, tables: LagTables
) -> tuple[Any, PeakMemory]:
    config = bench.config
    port = free_port()
    env = clean_environment(
        APPOINTMENTS_DATABASE_URL=url,
        APPOINTMENTS_DATABASE_POOL_SIZE=str(config.pool_size),
        APPOINTMENTS_READ_YOUR_WRITES_TIMEOUT=str(config.read_your_writes_timeout),
    )
    command = service_command(port, config.workers)
    log = bench.run_dir / "service.log"
    bench.console.print(f"[bold]service[/] ({' '.join(command[1:])})")
    with (
        running(command, port, env, log, ready_path="/readyz") as server,
        PeakMemory(server.pid) as memory,
    ):
        lag = service_phases(bench, server.base_url, url, tables)
        if config.py_spy:
            profiled_phases(bench, server.base_url, server.pid)
    return lag, memory


# --- 4. the baselines --------------------------------------------------------


def measure_baselines(bench: Bench, url: str, schema: str) -> None:
    config = bench.config
    copied = copy_from_read_model(url, schema, APPOINTMENTS)
    port = free_port()
    env = clean_environment(
        BENCH_CRUD_DATABASE_URL=url, BENCH_CRUD_POOL_SIZE=str(config.pool_size)
    )
    bench.console.print(f"[bold]baselines[/] (CRUD over {copied:,} copied rows)")
    log = bench.run_dir / "baseline.log"
    with running(baseline_command(port, config.workers), port, env, log) as server:
        base_url = server.base_url
        bench.measure("crud_retrieve", "retrieve", base_url, config.read_concurrency)
        bench.measure("crud_list_latency", "list", base_url, config.latency_concurrency)
        bench.measure("crud_list_load", "list", base_url, config.read_concurrency)
        for c in config.create_concurrencies:
            bench.measure(f"crud_create_c{c}", "create", base_url, c)
        bench.measure(
            "constant", "retrieve", base_url, config.read_concurrency, "/v1/constant"
        )


# --- the whole run -----------------------------------------------------------


def context(config: BenchConfig, server_url: str, url: str) -> dict[str, Any]:
    with psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return {
        "cpu_count": os.cpu_count() or 0,
        "settings": config.settings(),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "postgresql": row[0] if row else "",
            "database_server": redacted(server_url),
        },
        "git_commit": git_commit(),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def git_commit() -> str:
    completed = subprocess.run(
        ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False,
        cwd=Path(__file__).resolve().parent,
    )  # fmt: skip
    return completed.stdout.strip()


def run(config: BenchConfig, bench: Bench, server_url: str, url: str) -> dict[str, Any]:
    seeded, rebuilt, tables = prepare_store(bench, url)
    write_workload(bench, seeded.ids)
    lag, memory = measure_service(bench, url, tables)
    measure_baselines(bench, url, tables.schema)
    bench.console.print("[bold]database limit[/] (locked single-row inserts)")
    db_limit = locked_inserts(
        url, config.db_limit_concurrency, config.duration, bench.run_dir
    )
    measured = report.Measured(
        phases=bench.phases,
        lag=lag,
        rebuilt=rebuilt,
        db_limit=db_limit,
        peak_rss_mb=memory.peak_total_mb,
        peak_rss_mb_largest_process=memory.peak_process_mb,
        seed={
            "seed_appointments": config.appointments,
            "seed_extra_events": config.extra_events,
            "seed_creates_per_s": seeded.created_per_s,
            "seed_changes_per_s": seeded.changed_per_s,
        },
    )
    return report.build(
        measured, config.create_concurrencies, context(config, server_url, url)
    )


def main(argv: list[str] | None = None) -> int:
    config = parse(argv)
    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 110))
    run_dir = config.output.parent / "runs" / time.strftime("%Y%m%d-%H%M%S")
    run_dir.mkdir(parents=True, exist_ok=True)
    server_url = choose_server(config.database_url, RESULTS / "pgserver")
    console.print(
        f"[bold]bench[/] {config.profile} on {redacted(server_url)}: {run_dir}"
    )
    bench = Bench(config, run_dir, console)
    with fresh_database(server_url, keep=config.keep_database) as url:
        result = run(config, bench, server_url, url)
    report.write(result, config.output)
    report.write(result, run_dir / "report.json")
    report.show(result, console)
    console.print(f"written to {config.output}")
    return 0
