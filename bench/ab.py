"""``python -m bench.ab A B``: one scenario on two versions of the service, in
one run, so a change is judged against its own baseline on the same machine
at the same minutes.

``A`` and ``B`` are folders holding the service's code (``git worktree add``
or ``git archive REV | tar -x -C DIR``); each is served by ``appointments
serve`` with that folder first on ``PYTHONPATH``, on its own copy of one
seeded database (``CREATE DATABASE ... TEMPLATE``), both running throughout.
Each round measures A, B and the baselines' side (the constant endpoint for
``retrieve``, nothing for ``lag``), in alternating order; the figures are the
rounds' medians and the ratios B / A, round by round.

    git archive HEAD~1 | tar -x -C /tmp/before
    python -m bench.ab /tmp/before . --scenario lag --rounds 4
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import sql
from rich.console import Console

from bench.baseline.schema import copy_from_read_model
from bench.config import PROFILES, RESULTS
from bench.cpu import GROUPS
from bench.database import choose_server, fresh_database, settle, with_database
from bench.lag import LagProbe, LagTables
from bench.loadgen import API_KEY_VARIABLE
from bench.measure import service_environment
from bench.servers import (
    Server,
    baseline_command,
    clean_environment,
    create_bench_key,
    free_port,
    running,
    service_command,
)
from bench.session import Session, Step
from bench.store import prepare_store, write_workload
from infrastructure.read_model.tables import APPOINTMENTS

SIDES = ("A", "B")


@dataclass(frozen=True)
class Side:
    label: str
    code: Path
    url: str


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__)
    p.add_argument("a", type=Path, help="folder with the service's code: A")
    p.add_argument("b", type=Path, help="folder with the service's code: B")
    p.add_argument(
        "--scenario", choices=("retrieve", "create", "list", "lag"), default="retrieve"
    )
    p.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--seconds", type=float, default=5.0, help="per measured phase")
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--pool-size", type=int, default=3)
    p.add_argument("--database-url", help="a server to create the databases on")
    p.add_argument(
        "--cpu", action="store_true", help="CPU ms per request by process group"
    )
    p.add_argument("--output", type=Path, default=RESULTS / "ab.json")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    config = replace(
        PROFILES[args.profile],
        workers=args.workers,
        pool_size=args.pool_size,
        duration=args.seconds,
        warmup=min(2.0, args.seconds / 2),
        database_url=args.database_url,
    )
    console = Console()
    run_dir = args.output.parent / "runs" / ("ab-" + time.strftime("%Y%m%d-%H%M%S"))
    run_dir.mkdir(parents=True, exist_ok=True)
    session = Session(config, run_dir, console)
    scenario = args.scenario
    server_url = choose_server(config.database_url, RESULTS / "pgserver")
    with fresh_database(server_url) as url:
        tables = seeded(session, url)
        with (
            copied(server_url, url, "a") as a_url,
            copied(server_url, url, "b") as b_url,
        ):
            sides = [
                Side("A", args.a.resolve(), a_url),
                Side("B", args.b.resolve(), b_url),
            ]
            lags = measure(session, sides, scenario, args, tables)
    result = summary(session, scenario, lags)
    if args.cpu:
        result["cpu_ms_per_request"] = session.cpu
        result["median_cpu_ms_per_request"] = median_cpu(session.cpu)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    console.print_json(data=result)
    return 0


def seeded(session: Session, url: str) -> LagTables:
    """The quick profile's appointments and events, the workload, the CRUD
    baseline's rows, and the key both sides accept (it is in the copy too)."""
    stored, _, tables = prepare_store(session, url)
    write_workload(session, stored.ids)
    copy_from_read_model(url, tables.schema, APPOINTMENTS)
    os.environ[API_KEY_VARIABLE] = create_bench_key(clean_environment(
        APPOINTMENTS_DATABASE_URL=url
    ))  # fmt: skip
    return tables


@contextmanager
def copied(server_url: str, url: str, suffix: str) -> Iterator[str]:
    """A copy of the database at ``url`` (no one may be connected to it).

    Each side gets a copy. With A served from the seeded database itself and
    B from its copy, B led by about 15% whichever code it ran: a change
    measured 1.34x as B and 0.98x as A, where with two copies it measured
    1.09x and 1.13x (the seeded database's tables carry the seeding's history;
    a copy's start clean)."""
    original = urlsplit(url).path.lstrip("/")  # as ``with_database`` names it
    copy = f"{original}_{suffix}"
    name = sql.Identifier(copy)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                name, sql.Identifier(original)
            )
        )
    try:
        yield with_database(server_url, copy)
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name)
            )


def measure(
    session: Session,
    sides: list[Side],
    scenario: str,
    args: argparse.Namespace,
    tables: LagTables,
) -> dict[str, list[dict[str, float]]]:
    config, logs = session.config, session.run_dir
    lags: dict[str, list[dict[str, float]]] = {side.label: [] for side in sides}
    with ExitStack() as stack:
        servers: dict[str, Server] = {}
        for side in sides:
            port = free_port()
            servers[side.label] = stack.enter_context(running(
                service_command(port, config.workers), port,
                service_environment(config, side.url, PYTHONPATH=str(side.code)),
                logs / f"service-{side.label}.log",
                ready_path="/readyz",
            ))  # fmt: skip
        port = free_port()
        baseline = stack.enter_context(running(
            baseline_command(port, config.workers), port,
            clean_environment(BENCH_CRUD_DATABASE_URL=sides[0].url,
                              BENCH_CRUD_POOL_SIZE=str(config.pool_size)),
            logs / "baseline.log",
        ))  # fmt: skip
        for number in range(args.rounds):
            for side in sides:
                settle(side.url)
            ordered = sides if number % 2 == 0 else sides[::-1]
            if number % 2:
                measure_baseline(session, scenario, args, baseline)
            for side in ordered:
                server = servers[side.label]
                if scenario == "lag":
                    lags[side.label].append(
                        measure_lag(session, side, server, args, tables)
                    )
                else:
                    step = Step(side.label, scenario, args.concurrency)
                    session.measure(step, server.base_url, cpu_of=cpu_of(args, server))
            if number % 2 == 0:
                measure_baseline(session, scenario, args, baseline)
    return lags


def measure_baseline(
    session: Session, scenario: str, args: argparse.Namespace, baseline: Server
) -> None:
    """The constant endpoint beside retrieve, the CRUD baseline beside
    create and list; nothing beside lag."""
    if scenario == "retrieve":
        step = Step("constant", "retrieve", args.concurrency, "/v1/constant")
    elif scenario != "lag":
        step = Step("crud", scenario, args.concurrency)
    else:
        return
    session.measure(step, baseline.base_url, cpu_of=cpu_of(args, baseline))


def cpu_of(args: argparse.Namespace, server: Server) -> int | None:
    return server.pid if args.cpu else None


def measure_lag(
    session: Session,
    side: Side,
    server: Server,
    args: argparse.Namespace,
    tables: LagTables,
) -> dict[str, float]:
    with LagProbe(side.url, tables) as probe:
        step = Step(side.label, "create", args.concurrency)
        session.measure(step, server.base_url, cpu_of=cpu_of(args, server))
    lag = probe.result()
    session.console.print(
        f"  lag {side.label}: p50 {lag.p50_ms:.1f} ms, p99 {lag.p99_ms:.1f} ms"
    )
    return {"p50_ms": lag.p50_ms, "p99_ms": lag.p99_ms}


def summary(
    session: Session, scenario: str, lags: dict[str, list[dict[str, float]]]
) -> dict[str, Any]:
    results = session.results
    per_s = {name: [r.per_s for r in rs] for name, rs in results.items()}
    p99 = {name: [r.p99_ms for r in rs] for name, rs in results.items()}
    shown: dict[str, Any] = {
        "scenario": scenario,
        "per_s": per_s,
        "p99_ms": p99,
        "median_per_s": {name: statistics.median(v) for name, v in per_s.items()},
        "failures": {name: [r.failures for r in rs] for name, rs in results.items()},
        "b_over_a_per_s": ratios(per_s["B"], per_s["A"]),
    }
    other = "constant" if scenario == "retrieve" else "crud"
    if other in per_s:
        for label in SIDES:
            shown[f"{label}_over_{other}"] = ratios(per_s[label], per_s[other])
    if scenario == "lag":
        shown["lag"] = lags
        shown["median_lag_p99_ms"] = {
            label: statistics.median(r["p99_ms"] for r in rounds)
            for label, rounds in lags.items()
        }
    return shown


def median_cpu(cpu: dict[str, list[dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Per step and group, the median over rounds of CPU ms per request."""
    return {
        name: {
            group: round(statistics.median(r[group] for r in rounds if group in r), 3)
            for group in GROUPS
            if any(group in r for r in rounds)
        }
        for name, rounds in cpu.items()
    }


def ratios(top: list[float], bottom: list[float]) -> dict[str, Any]:
    each = [t / b for t, b in zip(top, bottom, strict=True) if b]
    return {
        "rounds": [round(r, 3) for r in each],
        "median": round(statistics.median(each), 3),
    }


if __name__ == "__main__":
    raise SystemExit(main())
