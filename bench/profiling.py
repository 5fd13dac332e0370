"""Sampling profiles of the running service with py-spy (out of process)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SAMPLES_PER_SECOND = 100


def py_spy() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


@contextmanager
def recording(
    pid: int, seconds: float, output: Path, *, idle: bool = False
) -> Iterator[None]:
    """Record ``pid`` (and its children) for ``seconds`` as collapsed stacks
    (``output``, one ``frame;frame;... count`` line per stack). ``idle`` keeps
    samples of threads that wait (wall-clock view); otherwise only busy ones."""
    executable = py_spy()
    if executable is None:
        raise RuntimeError("py-spy is not installed: pip install -e '.[bench]'")
    command = [
        executable, "record", f"--pid={pid}", f"--rate={SAMPLES_PER_SECOND}",
        f"--duration={max(1, round(seconds))}", "--format=raw",
        f"--output={output}", "--nonblocking", "--subprocesses",
    ]  # fmt: skip
    if idle:
        command.append("--idle")
    log = output.with_suffix(".log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=log)
    try:
        yield
    finally:
        process.wait(timeout=seconds + 60)
        log.close()
