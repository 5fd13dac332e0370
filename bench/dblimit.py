"""The database's own limit: single-row inserts per second, each in its own
transaction after ``LOCK TABLE ... IN EXCLUSIVE MODE``, as the event store
(``eventsourcing.postgres``) does for every insert. With pgbench when it is
installed, else with psycopg threads. The table mirrors the stored events'.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

import psycopg

TABLE = "bench_locked_inserts"
PAYLOAD_BYTES = 900
"""About the size of a stored ``Created`` event's state."""

CREATE_TABLE = f"""
    DROP TABLE IF EXISTS {TABLE};
    CREATE TABLE {TABLE} (
        originator_id text NOT NULL,
        originator_version bigint NOT NULL,
        topic text NOT NULL,
        state bytea NOT NULL,
        notification_id bigserial NOT NULL,
        PRIMARY KEY (originator_id, originator_version));
    CREATE UNIQUE INDEX ON {TABLE} (notification_id);
"""
LOCK = f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE"
INSERT = (
    f"INSERT INTO {TABLE} (originator_id, originator_version, topic, state) "
    f"VALUES (md5(random()::text), 1, 'bench', "
    f"convert_to(repeat('x', {PAYLOAD_BYTES}), 'UTF8'))"
)
PGBENCH_SCRIPT = f"BEGIN;\n{LOCK};\n{INSERT};\nCOMMIT;\n"
TPS = re.compile(r"tps = ([0-9.]+) \(without initial connection time\)")


@dataclass(frozen=True)
class DbLimit:
    inserts_per_s: float
    tool: str


def locked_inserts(url: str, concurrency: int, seconds: float, work: Path) -> DbLimit:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(CREATE_TABLE)
    pgbench = shutil.which("pgbench")
    if pgbench is not None:
        return DbLimit(
            with_pgbench(pgbench, url, concurrency, seconds, work), "pgbench"
        )
    return DbLimit(with_psycopg(url, concurrency, seconds), "psycopg")


def with_pgbench(
    pgbench: str, url: str, concurrency: int, seconds: float, work: Path
) -> float:
    script = work / "locked_insert.sql"
    script.write_text(PGBENCH_SCRIPT)
    command = [
        pgbench,
        "--no-vacuum",
        f"--file={script}",
        f"--client={concurrency}",
        f"--jobs={min(concurrency, 2)}",
        f"--time={max(1, round(seconds))}",
        url,
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    match = TPS.search(completed.stdout)
    if completed.returncode != 0 or match is None:
        errors = completed.stderr.strip().splitlines()[:3]
        raise RuntimeError(f"pgbench failed: {' | '.join(errors)}")
    return round(float(match.group(1)), 1)


def with_psycopg(url: str, concurrency: int, seconds: float) -> float:
    counts = [0] * concurrency
    deadline = perf_counter() + seconds

    def insert_until_deadline(index: int) -> None:
        with psycopg.connect(url) as conn:
            while perf_counter() < deadline:
                with conn.transaction():
                    conn.execute(LOCK)
                    conn.execute(INSERT)
                counts[index] += 1

    threads = [
        threading.Thread(target=insert_until_deadline, args=(i,))
        for i in range(concurrency)
    ]
    started = perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return round(sum(counts) / (perf_counter() - started), 1)
