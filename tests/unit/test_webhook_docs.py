"""The signature check shown in docs/webhooks.md accepts what the service
signs, and nothing else."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from application.webhook_delivery import render_body, signature

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
Verify = Callable[[str, str, bytes], bool]


def documented_verify() -> Verify:
    section = DOC.read_text(encoding="utf-8").split("## Verifying the signature")[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    namespace: dict[str, object] = {}
    exec(match.group(1), namespace)
    verify = namespace["verify"]
    assert callable(verify)
    return verify  # type: ignore[return-value]


def test_the_documented_check_accepts_a_delivery_and_refuses_forgeries() -> None:
    verify = documented_verify()
    secret = "whsec_" + "a" * 32
    body = render_body({"id": 1, "object": "event", "data": {"name": "Zoë"}})
    now = int(time.time())
    header = signature(secret, now, body)

    assert verify(secret, header, body.encode())
    assert not verify(secret, header, body.replace("1", "2", 1).encode())
    assert not verify("whsec_" + "b" * 32, header, body.encode())
    stale = signature(secret, now - 3600, body)
    assert not verify(secret, stale, body.encode())
