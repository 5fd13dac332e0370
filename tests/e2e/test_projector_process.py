"""``appointments serve --workers 2``: the projections run in a projector
process of their own (``api.projector``), started before the API, started
again if it dies, and stopped after the API on Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from tests.api.conftest import create_body
from tests.builders import HOUR_MS, START
from tests.e2e.conftest import APPOINTMENTS, free_port, wait_until_healthy

STARTED = re.compile(r"projector process (\d+) started")
SECONDS = 30.0


@dataclass
class Serve:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def projectors(self) -> list[int]:
        """The pids of every projector process started so far, in order."""
        return [int(pid) for pid in STARTED.findall(self.log.read_text())]

    def wait_for_projectors(self, count: int) -> list[int]:
        deadline = time.monotonic() + SECONDS
        while len(self.projectors()) < count:
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)
        return self.projectors()


@pytest.fixture
def serve(e2e_database_url: str, tmp_path: Path) -> Iterator[Serve]:
    port = free_port()
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "APPOINTMENTS_DATABASE_URL": e2e_database_url,
        "APPOINTMENTS_PORT": str(port),
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(APPOINTMENTS), "serve", "--workers", "2"],
            env=env,
            stdout=output,
            stderr=output,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base_url, process)
        yield Serve(process, base_url, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(SECONDS)


def written_then_read(serve: Serve, api_key: str, hour: int) -> tuple[int, int]:
    """A create's status and the status of retrieving it right after."""
    with httpx.Client(
        base_url=serve.base_url,
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=SECONDS,
    ) as client:
        start = START + hour * HOUR_MS
        created = client.post(
            "/v1/appointments",
            json=create_body(start_time=start, end_time=start + HOUR_MS),
        )
        retrieved = client.get(f"/v1/appointments/{created.json()['id']}")
    return created.status_code, retrieved.status_code


def projector_command(pid: int) -> list[str]:
    return psutil.Process(pid).cmdline()


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_the_projections_run_in_a_process_of_their_own_stopped_last(
    serve: Serve, api_key: str
) -> None:
    (projector,) = serve.wait_for_projectors(1)

    assert projector_command(projector)[-2:] == [
        "worker",
        f"--parent={serve.process.pid}",
    ]
    assert [written_then_read(serve, api_key, hour) for hour in range(3)] == [
        (201, 200)
    ] * 3

    serve.process.send_signal(signal.SIGTERM)

    assert serve.process.wait(SECONDS) == 0
    assert gone(projector)
    log = serve.log.read_text()
    assert log.index("Finished server process") < log.index(
        "appointments worker: stopped"
    )


def test_a_projector_that_dies_is_started_again(serve: Serve, api_key: str) -> None:
    (first,) = serve.wait_for_projectors(1)

    os.kill(first, signal.SIGKILL)

    second = serve.wait_for_projectors(2)[1]
    assert second != first
    assert f"projector process {first} exited with -9; restarting" in (
        serve.log.read_text()
    )
    assert written_then_read(serve, api_key, 0) == (201, 200)
    assert httpx.get(f"{serve.base_url}/readyz", timeout=SECONDS).status_code == 200


def test_a_projector_whose_serve_is_gone_stops(e2e_database_url: str) -> None:
    """``--parent`` names a process that is not this one's parent: as if
    ``serve`` had died and the projector had been handed to another."""
    result = subprocess.run(
        [str(APPOINTMENTS), "worker", f"--parent={os.getpid() + 1_000_000}"],
        env={**os.environ, "APPOINTMENTS_DATABASE_URL": e2e_database_url},
        capture_output=True,
        text=True,
        timeout=SECONDS,
        check=False,
    )

    assert result.returncode == 0
    assert "appointments worker: serve is gone" in result.stderr
