"""The measured phases, with the service and the baselines both running.

Each service phase is paired with its baseline, run back to back (in
alternating order from round to round), so a noisy neighbour on this
machine weighs on both sides of a ratio alike; with several rounds each
figure is the median of its rounds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from bench.baseline.schema import copy_from_read_model
from bench.config import BenchConfig
from bench.database import settle, with_database
from bench.dblimit import DbLimit, locked_inserts
from bench.lag import LagProbe, LagResult, LagTables
from bench.loadgen import API_KEY_VARIABLE
from bench.memory import PeakMemory
from bench.profiling import recording
from bench.servers import (
    BENCH_RATE_LIMIT_PER_MINUTE,
    Server,
    baseline_command,
    clean_environment,
    create_bench_key,
    free_port,
    running,
    service_command,
)
from bench.session import Session, Step
from infrastructure.read_model.tables import APPOINTMENTS


@dataclass(frozen=True)
class Pair:
    """Steps run back to back: one on the service, one on the baselines
    (either may be absent)."""

    service: Step | None
    baseline: Step | None


@dataclass(frozen=True)
class Servers:
    service: Server
    baseline: Server
    memory: PeakMemory


@dataclass(frozen=True)
class Measurements:
    lag: LagResult
    db_limit: DbLimit
    peak_rss_mb: float
    peak_rss_mb_largest_process: float


def paired(name: str, scenario: str, concurrency: int) -> Pair:
    return Pair(
        Step(name, scenario, concurrency), Step("crud_" + name, scenario, concurrency)
    )


def pairs(session: Session) -> list[Pair]:
    c = session.config
    read, latency = c.read_concurrency, c.latency_concurrency
    planned = [
        paired("retrieve", "retrieve", read),
        Pair(None, Step("constant", "retrieve", read, "/v1/constant")),
        paired("list_latency", "list", latency),
        paired("list_load", "list", read),
    ]
    planned += [paired(f"create_c{n}", "create", n) for n in c.create_concurrencies]
    return planned


def run_round(session: Session, servers: Servers, number: int, url: str) -> None:
    """Every pair once, on a database at rest; odd rounds run the baseline's
    side first."""
    waited = settle(url)
    session.console.print(
        f"[bold]round {number + 1}[/] of {session.config.rounds}"
        f" (database at rest after {waited:.1f} s)"
    )
    for pair in pairs(session):
        ordered = [(pair.service, servers.service), (pair.baseline, servers.baseline)]
        if number % 2:
            ordered.reverse()
        for step, server in ordered:
            if step is not None:
                session.measure(step, server.base_url)


def lag_under_load(
    session: Session, servers: Servers, url: str, tables: LagTables
) -> LagResult:
    step = Step("lag_create", "create", session.config.lag_concurrency)
    with LagProbe(url, tables) as probe:
        session.measure(step, servers.service.base_url)
    return probe.result()


def profiled(session: Session, servers: Servers) -> None:
    """Extra phases under py-spy; collapsed stacks in ``profiles/``."""
    folder = session.run_dir / "profiles"
    folder.mkdir(exist_ok=True)
    c = session.config
    seconds = c.warmup + c.duration
    plans = (
        ("create_cpu", "create", c.lag_concurrency, False),
        ("create_wall", "create", c.lag_concurrency, True),
        ("retrieve_cpu", "retrieve", c.read_concurrency, False),
        ("list_cpu", "list", c.read_concurrency, False),
    )
    for name, scenario, concurrency, idle in plans:
        with recording(servers.service.pid, seconds, folder / f"{name}.txt", idle=idle):
            session.measure(
                Step(f"profiled_{name}", scenario, concurrency),
                servers.service.base_url,
            )


def read_replica(config: BenchConfig, url: str) -> dict[str, str]:
    """The service's ``APPOINTMENTS_READ_DATABASE_URL``, naming the run's
    database on the replica (which replicates the server it was created on)."""
    if not config.read_database_url:
        return {}
    name = urlsplit(url).path.lstrip("/")
    return {
        "APPOINTMENTS_READ_DATABASE_URL": with_database(config.read_database_url, name)
    }


def service_environment(c: BenchConfig, url: str, **variables: str) -> dict[str, str]:
    """What ``appointments serve`` is given: the run's database and settings."""
    return clean_environment(
        APPOINTMENTS_DATABASE_URL=url,
        APPOINTMENTS_DATABASE_POOL_SIZE=str(c.pool_size),
        APPOINTMENTS_READ_YOUR_WRITES_TIMEOUT=str(c.read_your_writes_timeout),
        # Checked on every request (its cost is measured) but never reached.
        APPOINTMENTS_RATE_LIMIT_PER_MINUTE=str(BENCH_RATE_LIMIT_PER_MINUTE),
        **variables,
    )


@contextmanager
def both_servers(session: Session, url: str) -> Iterator[Servers]:
    c = session.config
    service_port, baseline_port = free_port(), free_port()
    service_env = service_environment(c, url, **read_replica(c, url))
    os.environ[API_KEY_VARIABLE] = create_bench_key(service_env)
    baseline_env = clean_environment(
        BENCH_CRUD_DATABASE_URL=url, BENCH_CRUD_POOL_SIZE=str(c.pool_size)
    )
    logs = session.run_dir
    with (
        running(service_command(service_port, c.workers), service_port, service_env,
                logs / "service.log", ready_path="/readyz") as service,
        running(baseline_command(baseline_port, c.workers), baseline_port,
                baseline_env, logs / "baseline.log") as baseline,
        PeakMemory(service.pid) as memory,
    ):  # fmt: skip
        yield Servers(service, baseline, memory)


def measure(session: Session, url: str, tables: LagTables) -> Measurements:
    copied = copy_from_read_model(url, tables.schema, APPOINTMENTS)
    session.console.print(
        f"CRUD baseline over {copied:,} appointments copied from the read model"
    )
    c = session.config
    with both_servers(session, url) as servers:
        for number in range(c.rounds):
            run_round(session, servers, number, url)
        lag = lag_under_load(session, servers, url, tables)
        if c.py_spy:
            profiled(session, servers)
    session.console.print("[bold]database limit[/] (locked single-row inserts)")
    db_limit = locked_inserts(url, c.db_limit_concurrency, c.duration, session.run_dir)
    return Measurements(
        lag=lag,
        db_limit=db_limit,
        peak_rss_mb=servers.memory.peak_total_mb,
        peak_rss_mb_largest_process=servers.memory.peak_process_mb,
    )
