"""``python -m bench``: seed, rebuild, then measure the service against its
baselines on one fresh database, and report the figures with their ratios.

1. A fresh database on the first server that answers (``bench.database``).
2. Seed through the application in this process (creates, then updates),
   then rebuild the read model from every event, timed (``bench.store``).
3. ``appointments serve`` and the baselines (``bench.baseline``, under
   uvicorn with the same workers) side by side; paired phases, the
   projection-lag probe, the database's locked-insert limit, and py-spy
   profiles when asked (``bench.measure``). The service's memory is sampled
   throughout. Every load comes from separate ``python -m bench.loadgen``
   processes.
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console

from bench import report
from bench.config import RESULTS, BenchConfig, parse
from bench.database import choose_server, fresh_database, redacted
from bench.measure import measure
from bench.session import Session
from bench.store import prepare_store, write_workload

SERVICE_CODE = ("api", "application", "domain", "infrastructure")


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


def git(*args: str) -> str:
    completed = subprocess.run(
        ["git", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent,
    )
    return completed.stdout.strip() if completed.returncode == 0 else ""


def git_commit() -> str:
    """The measured commit (``BENCH_GIT_COMMIT`` outside a git checkout), with
    ``+dirty`` when the service's code has uncommitted changes."""
    commit = git("rev-parse", "HEAD") or os.environ.get("BENCH_GIT_COMMIT", "")
    changed = git("status", "--porcelain", "--", *SERVICE_CODE)
    return commit + ("+dirty" if changed else "")


def run(session: Session, server_url: str, url: str) -> dict[str, Any]:
    config = session.config
    seeded, rebuilt, tables = prepare_store(session, url)
    write_workload(session, seeded.ids)
    measured = measure(session, url, tables)
    figures = report.Measured(
        phases=session.phases(),
        lag=measured.lag,
        rebuilt=rebuilt,
        db_limit=measured.db_limit,
        peak_rss_mb=measured.peak_rss_mb,
        peak_rss_mb_largest_process=measured.peak_rss_mb_largest_process,
        seed={
            "seed_appointments": config.appointments,
            "seed_extra_events": config.extra_events,
            "seed_creates_per_s": seeded.created_per_s,
            "seed_changes_per_s": seeded.changed_per_s,
        },
    )
    return report.build(
        figures, config.create_concurrencies, context(config, server_url, url)
    )


def console_for_reports() -> Console:
    console = Console()
    if console.is_terminal:
        return console
    return Console(width=max(console.width, 110))


def main(argv: list[str] | None = None) -> int:
    config = parse(argv)
    console = console_for_reports()
    run_dir = config.output.parent / "runs" / time.strftime("%Y%m%d-%H%M%S")
    run_dir.mkdir(parents=True, exist_ok=True)
    server_url = choose_server(config.database_url, RESULTS / "pgserver")
    console.print(
        f"[bold]bench[/] {config.profile} on {redacted(server_url)}: {run_dir}"
    )
    session = Session(config, run_dir, console)
    with fresh_database(server_url, keep=config.keep_database) as url:
        result = run(session, server_url, url)
    report.write(result, config.output)
    report.write(result, run_dir / "report.json")
    report.show(result, console)
    console.print(f"written to {config.output}")
    return 0
