"""Reading Zoom's ``Retry-After``: seconds, an HTTP date, or an ISO 8601 time."""

from __future__ import annotations

import pytest

from infrastructure.zoom_retry import parse_retry_after

NOW = 1_780_000_000.0  # 2026-05-28T20:26:40Z


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("0", 0.0),
        ("2", 2.0),
        ("1.5", 1.5),
        ("-3", 0.0),
        ("2026-05-28T20:27:40Z", 60.0),
        ("Thu, 28 May 2026 20:28:40 GMT", 120.0),
        ("2026-05-28T20:00:00Z", 0.0),
    ],
)
def test_reads_the_wait(header: str, seconds: float) -> None:
    assert parse_retry_after(header, NOW) == seconds


@pytest.mark.parametrize("header", [None, "", "soon"])
def test_an_unusable_header_means_no_advice(header: str | None) -> None:
    assert parse_retry_after(header, NOW) is None
