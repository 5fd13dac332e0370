"""The benchmark harness end to end with tiny counts, so it never rots.

No timing assertions: only that a run completes and reports every figure.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HARNESS_TIMEOUT_SECONDS = 240

REQUIRED_FIGURES = (
    "creates_per_s_c1",
    "creates_per_s_c8",
    "creates_per_s_c32",
    "crud_creates_per_s_c32",
    "db_locked_inserts_per_s",
    "retrieve_per_s",
    "retrieve_p99_ms",
    "constant_per_s",
    "list_p50_ms",
    "list_p99_ms",
    "projection_lag_p50_ms",
    "projection_lag_p99_ms",
    "rebuild_events_per_s",
    "peak_rss_mb",
    "cpu_count",
)


def run_harness(database_url: str, output: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--profile=smoke",
            f"--database-url={database_url}",
            f"--output={output}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=HARNESS_TIMEOUT_SECONDS,
        check=False,
    )


def is_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def test_a_tiny_run_reports_every_figure_as_a_number(
    database_url: str, tmp_path: Path
) -> None:
    output = tmp_path / "latest.json"

    completed = run_harness(database_url, output)

    assert completed.returncode == 0, (
        completed.stdout[-3000:] + completed.stderr[-3000:]
    )
    report = json.loads(output.read_text())
    not_numbers = {
        k: report.get(k) for k in REQUIRED_FIGURES if not is_number(report.get(k))
    }
    assert not_numbers == {}
    assert all(is_number(v) for v in report["ratios"].values())
    assert report["settings"]["profile"] == "smoke"
