"""``python -m bench.ab`` end to end with tiny counts: two versions of the
service (here the same code twice) measured in one run. No timing
assertions: only that it completes and reports each round's figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench.test_bench_smoke import HARNESS_TIMEOUT_SECONDS, REPO, is_number


@pytest.mark.parametrize(
    ("scenario", "beside"), [("lag", None), ("retrieve", "constant")]
)
def test_two_versions_are_measured_round_by_round(
    database_url: str, tmp_path: Path, scenario: str, beside: str | None
) -> None:
    output = tmp_path / "ab.json"

    completed = subprocess.run(
        [
            sys.executable, "-m", "bench.ab", str(REPO), str(REPO),
            f"--scenario={scenario}", "--profile=smoke", "--rounds=2",
            "--seconds=0.5", "--concurrency=2", "--workers=2", "--pool-size=2",
            f"--database-url={database_url}", f"--output={output}",
        ],
        cwd=REPO, capture_output=True, text=True,
        timeout=HARNESS_TIMEOUT_SECONDS, check=False,
    )  # fmt: skip

    assert completed.returncode == 0, (
        completed.stdout[-3000:] + completed.stderr[-3000:]
    )
    report = json.loads(output.read_text())
    assert [len(report["per_s"][side]) for side in ("A", "B")] == [2, 2]
    assert len(report["b_over_a_per_s"]["rounds"]) == 2
    assert is_number(report["b_over_a_per_s"]["median"])
    if beside is not None:
        assert len(report["per_s"][beside]) == 2
        assert is_number(report["B_over_constant"]["median"])
    else:
        lags = report["lag"]
        assert [len(lags[side]) for side in ("A", "B")] == [2, 2]
        assert all(is_number(v) for v in report["median_lag_p99_ms"].values())
