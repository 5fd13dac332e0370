"""Ctrl-C stops the service cleanly, finishing what it was doing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.e2e.conftest import free_port, wait_until_healthy

APPOINTMENTS = Path(sys.executable).with_name("appointments")


def test_ctrl_c_stops_the_server_with_success(
    e2e_database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        "APPOINTMENTS_DATABASE_URL": e2e_database_url,
        "APPOINTMENTS_PORT": str(port),
    }
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [str(APPOINTMENTS), "serve", "--workers", "2"],
        env={**os.environ, **env},
        stdout=log,
        stderr=log,
    )
    base_url = f"http://127.0.0.1:{port}"
    wait_until_healthy(base_url, process)
    assert httpx.get(f"{base_url}/readyz", timeout=10).status_code == 200

    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=30) == 0
    assert "Finished server process" in (tmp_path / "server.log").read_text()


def test_a_bad_setting_stops_start_up_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(APPOINTMENTS), "serve"],
        env={**os.environ, "APPOINTMENTS_PORT": "eighty"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "APPOINTMENTS_PORT" in result.stderr
