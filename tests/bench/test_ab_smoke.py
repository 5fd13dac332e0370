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
    ("scenario", "beside", "options"),
    [
        ("lag", None, ["--seconds=0.5"]),
        ("retrieve", "constant", ["--seconds=0.5"]),
        # long enough that the CPU window opens (after the warm-up) well
        # before the phase ends, however slowly the load generator starts
        ("create", "crud", ["--seconds=3", "--cpu"]),
    ],
)
def test_two_versions_are_measured_round_by_round(
    database_url: str,
    tmp_path: Path,
    scenario: str,
    beside: str | None,
    options: list[str],
) -> None:
    output = tmp_path / "ab.json"

    completed = subprocess.run(
        [
            sys.executable, "-m", "bench.ab", str(REPO), str(REPO),
            f"--scenario={scenario}", "--profile=smoke", "--rounds=2",
            "--concurrency=2", "--workers=2", "--pool-size=2",
            f"--database-url={database_url}", f"--output={output}", *options,
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
        assert is_number(report[f"B_over_{beside}"]["median"])
    if "--cpu" in options:
        cpu = report["median_cpu_ms_per_request"]
        assert set(cpu) == {"A", "B", beside}
        for side in ("A", "B"):
            assert cpu[side]["server"] > 0
            assert cpu[side]["projector"] > 0  # serve --workers 2 starts one
            assert cpu[side]["postgres"] > 0
        assert cpu[beside]["projector"] == 0
    if beside is None:
        lags = report["lag"]
        assert [len(lags[side]) for side in ("A", "B")] == [2, 2]
        assert all(is_number(v) for v in report["median_lag_p99_ms"].values())
