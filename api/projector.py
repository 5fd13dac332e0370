"""The projector process of ``appointments serve --workers N`` (N > 1).

With several API workers, the projections and webhook delivery run in one
process of their own (``appointments worker``), not in whichever API worker
wins the lead: there they shared that worker's interpreter lock with half the
requests, and a batch's few milliseconds of Python waited behind them
(docs/performance.md, "Round three"). Writers in every API
worker are woken by the projection's ``NOTIFY``, as they are for any runner
in another process.

The projector starts before the API and stops after it (a request in flight
may be waiting for the projection), in a session of its own so that a
terminal's Ctrl-C reaches only ``serve``, which then stops it in order. If it
exits on its own, it is started again; if ``serve`` dies, it stops by itself
(``appointments worker --parent``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from types import TracebackType

RESTART_DELAY_SECONDS = 1.0
STOP_SECONDS = 30.0
"""How long a stopping projector may take to finish its batch."""


def projector_command(parent: int) -> list[str]:
    return [sys.executable, "-m", "api.cli", "worker", f"--parent={parent}"]


def say(message: str) -> None:
    print(f"appointments: {message}", file=sys.stderr, flush=True)


class ProjectorProcess:
    """``appointments worker`` on ``database_url``, kept running while in use."""

    def __init__(
        self, database_url: str, *, restart_delay: float = RESTART_DELAY_SECONDS
    ) -> None:
        self.env = {**os.environ, "APPOINTMENTS_DATABASE_URL": database_url}
        self.restart_delay = restart_delay
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._supervisor = threading.Thread(
            target=self._supervise, name="projector", daemon=True
        )

    def __enter__(self) -> ProjectorProcess:
        self._start()
        self._supervisor.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stopping.set()
        with self._lock:
            process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._supervisor.join(STOP_SECONDS)

    def _start(self) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            self._process = subprocess.Popen(
                projector_command(os.getpid()), env=self.env, start_new_session=True
            )
        say(f"projector process {self._process.pid} started")

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                process = self._process
            if process is None:
                return
            code = process.wait()
            if self._stopping.is_set():
                return
            say(f"projector process {process.pid} exited with {code}; restarting")
            if not self._stopping.wait(self.restart_delay):
                self._start()
