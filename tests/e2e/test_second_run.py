"""A second ``make run`` while the first still serves: one clear line, and a
non-zero exit, before anything else is started."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from tests.e2e.conftest import APPOINTMENTS


def test_a_second_server_on_a_busy_port_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as first:
        first.bind(("127.0.0.1", 0))
        first.listen()
        port = first.getsockname()[1]
        env = {
            **os.environ,
            "APPOINTMENTS_PORT": str(port),
            "APPOINTMENTS_DATA_DIR": str(tmp_path / "never-started"),
        }
        env.pop("APPOINTMENTS_DATABASE_URL", None)
        second = subprocess.run(
            [str(APPOINTMENTS), "serve"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert second.returncode == 2
    assert second.stdout == ""
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1, second.stderr
    assert f"127.0.0.1:{port} is already in use" in lines[0]
    assert not (tmp_path / "never-started").exists()
