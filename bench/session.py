"""One run's working state: settings, folder, console, and every result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from bench.config import BenchConfig
from bench.cpu import accounted
from bench.drive import Phase, run_phase
from bench.stats import LoadResult, median_result

LOAD_STARTUP_SECONDS = 0.5  # a load generator's interpreter start, about


@dataclass(frozen=True)
class Step:
    """One measured load: a scenario against the service or the baselines."""

    name: str
    scenario: str
    concurrency: int
    path: str = "/v1/appointments"


class Session:
    def __init__(self, config: BenchConfig, run_dir: Path, console: Console) -> None:
        self.config = config
        self.run_dir = run_dir
        self.console = console
        self.workload_path = run_dir / "workload.json"
        self.results: dict[str, list[LoadResult]] = {}
        self.cpu: dict[str, list[dict[str, float]]] = {}

    def measure(
        self, step: Step, base_url: str, *, cpu_of: int | None = None
    ) -> LoadResult:
        """Run one load phase; with ``cpu_of`` (a server's pid), also record
        the CPU milliseconds each request cost, by process group."""
        phase = Phase(
            name=step.name,
            scenario=step.scenario,
            base_url=base_url,
            concurrency=step.concurrency,
            duration=self.config.duration,
            warmup=self.config.warmup,
            path=step.path,
            workload=self.workload_path,
        )
        if cpu_of is None:
            result = run_phase(phase, processes=self.config.load_processes)
        else:
            settling = self.config.warmup + LOAD_STARTUP_SECONDS
            with accounted(cpu_of, settling) as window:
                result = run_phase(phase, processes=self.config.load_processes)
            used = window.per_request_ms(result.per_s, result.seconds)
            self.cpu.setdefault(step.name, []).append(used)
            self.console.print(f"  {'':<22} CPU ms per request: {used}")
        self.results.setdefault(step.name, []).append(result)
        self.console.print(summary(step.name, result))
        return result

    def phases(self) -> dict[str, LoadResult]:
        """Each phase's result, the median over its rounds."""
        return {name: median_result(rs) for name, rs in self.results.items()}


def summary(name: str, result: LoadResult) -> str:
    failed = sum(result.failures.values())
    line = (
        f"  {name:<22} {result.per_s:>9,.1f}/s  p50 {result.p50_ms:7.2f} ms"
        f"  p99 {result.p99_ms:7.2f} ms"
    )
    return line + (f"  [red]{failed} failed" if failed else "")
