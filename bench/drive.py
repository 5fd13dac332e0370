"""Running the load-generating process(es) from the harness."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.stats import LoadResult

STARTUP_ALLOWANCE_SECONDS = 60.0
REQUEST_ALLOWANCE_SECONDS = 35.0


@dataclass(frozen=True)
class Phase:
    """One measured load: ``scenario`` against ``base_url`` at ``concurrency``."""

    name: str
    scenario: str
    base_url: str
    concurrency: int
    duration: float
    warmup: float
    path: str = "/v1/appointments"
    workload: Path | None = None
    max_requests: int = 1_000_000


def loadgen_command(phase: Phase, concurrency: int, seed: int) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "bench.loadgen",
        f"--base-url={phase.base_url}",
        f"--scenario={phase.scenario}",
        f"--path={phase.path}",
        f"--concurrency={concurrency}",
        f"--duration={phase.duration}",
        f"--warmup={phase.warmup}",
        f"--max-requests={phase.max_requests}",
        f"--seed={seed}",
    ]
    if phase.workload is not None:
        command.append(f"--workload={phase.workload}")
    return command


def split(concurrency: int, processes: int) -> list[int]:
    """Share ``concurrency`` among up to ``processes`` load generators."""
    processes = max(1, min(processes, concurrency))
    share, extra = divmod(concurrency, processes)
    return [share + (1 if i < extra else 0) for i in range(processes)]


def run_phase(phase: Phase, *, processes: int = 1) -> LoadResult:
    """Run the phase in separate load-generating processes; merge their results."""
    timeout = (
        phase.warmup + phase.duration + REQUEST_ALLOWANCE_SECONDS
    ) + STARTUP_ALLOWANCE_SECONDS
    children = [
        subprocess.Popen(
            loadgen_command(phase, share, seed=index),
            stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parent.parent,
        )
        for index, share in enumerate(split(phase.concurrency, processes))
    ]
    outputs = [collect(child, timeout) for child in children]
    return merge(phase, outputs)


def collect(child: subprocess.Popen[bytes], timeout: float) -> dict[str, Any]:
    try:
        stdout, _ = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise
    if child.returncode != 0:
        raise RuntimeError(f"load generator exited with {child.returncode}")
    output: dict[str, Any] = json.loads(stdout)
    return output


def merge(phase: Phase, outputs: list[dict[str, Any]]) -> LoadResult:
    latencies = [ms for output in outputs for ms in output["latencies_ms"]]
    failures: Counter[str] = Counter()
    for output in outputs:
        failures.update(output["failures"])
    seconds = max(output["seconds"] for output in outputs)
    return LoadResult.of(
        phase.scenario, phase.concurrency, seconds, latencies, dict(failures)
    )
