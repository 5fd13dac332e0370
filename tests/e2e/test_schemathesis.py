"""The OpenAPI document is truthful: Schemathesis, with every check and every
phase (examples, coverage, fuzzing, and the stateful phase following the
document's links), finds no request the service answers against it.

The run is configured in ``schemathesis.toml`` (bounded: examples per
operation, steps per stateful scenario); the rules the document states only
in words are in ``schemathesis_hooks.py``."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
RUN_SECONDS = 600
PHASES = ("Examples", "Coverage", "Fuzzing", "Stateful")


def test_every_check_and_phase_finds_the_document_truthful(
    start_server: Callable[[], str], auth: dict[str, str]
) -> None:
    base_url = start_server(APPOINTMENTS_WEBHOOK_ALLOW_PRIVATE="true")
    run = subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(CONFIG),
            "--no-color",
            "run",
            "--header",
            f"Authorization: {auth['Authorization']}",
            f"{base_url}/openapi.json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_SECONDS,
        check=False,
    )
    output = run.stdout + run.stderr
    summary = output[output.find("SUMMARY") :]
    print(summary)

    assert run.returncode == 0, output[-20_000:]
    for phase in PHASES:
        assert re.search(rf"✅ {phase}\b", summary), f"{phase} did not pass"
    cases = re.search(r"(\d+) generated, (\d+) passed", summary)
    assert cases is not None
    assert cases[1] == cases[2]
