"""A PostgreSQL server of the test's own, on 127.0.0.1, that the test stops
and starts at will (the binaries the ``pgserver`` package ships; never the
machine's shared server)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import psycopg

from tests.faults.harness import free_port

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from pgserver._commands import POSTGRES_BIN_PATH
    from pgserver.utils import ensure_user_exists

SERVER_USER = "pgserver"
"""PostgreSQL refuses to run as root; as root the server runs as this user."""
START_SECONDS = 60
DATABASE = "appointments"


class OwnPostgres:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="appointments-faults-"))
        self.data = self.root / "pgdata"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self.run_as = SERVER_USER if os.geteuid() == 0 else None
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def init(self) -> None:
        self.hand_root_to_server_user()
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust")
        self.start()
        admin = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")

    def hand_root_to_server_user(self) -> None:
        if self.run_as:
            ensure_user_exists(self.run_as)
            self.root.chmod(0o755)
            shutil.chown(self.root, user=self.run_as)

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k '' -c max_connections=100"
        self._pg_ctl(
            "-l", str(self.log), "-o", options, "-t", str(START_SECONDS), "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-m", mode, "stop")

    def is_running(self) -> bool:
        status = subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.data), "status"],
            capture_output=True,
            user=self.run_as,
            check=False,
        )
        return status.returncode == 0

    def binary(self, name: str) -> str:
        return str(POSTGRES_BIN_PATH / name)

    def destroy(self) -> None:
        if self.data.exists() and self.is_running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", *args)

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [str(POSTGRES_BIN_PATH / program), *args],
            check=True,
            capture_output=True,
            user=self.run_as,
            timeout=START_SECONDS * 2,
        )
