"""Latency samples summarised as rates and percentiles."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (0.0 for no samples)."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class LoadResult:
    """What one load phase achieved: successful requests per second and
    their latency, plus every failure by status (``error`` for no answer)."""

    scenario: str
    concurrency: int
    seconds: float
    ok: int
    per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    failures: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        scenario: str,
        concurrency: int,
        seconds: float,
        latencies_ms: Sequence[float],
        failures: dict[str, int],
    ) -> LoadResult:
        return cls(
            scenario=scenario,
            concurrency=concurrency,
            seconds=round(seconds, 3),
            ok=len(latencies_ms),
            per_s=round(len(latencies_ms) / seconds, 1) if seconds > 0 else 0.0,
            p50_ms=round(percentile(latencies_ms, 0.50), 2),
            p90_ms=round(percentile(latencies_ms, 0.90), 2),
            p99_ms=round(percentile(latencies_ms, 0.99), 2),
            max_ms=round(max(latencies_ms, default=0.0), 2),
            failures=dict(failures),
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` to three places (0.0 when undefined)."""
    if denominator <= 0:
        return 0.0
    return round(numerator / denominator, 3)


def median_result(results: Sequence[LoadResult]) -> LoadResult:
    """Several rounds of one phase as one: the median of each figure, the
    sum of requests, seconds and failures."""
    if len(results) == 1:
        return results[0]
    failures: dict[str, int] = {}
    for result in results:
        for status, count in result.failures.items():
            failures[status] = failures.get(status, 0) + count
    return LoadResult(
        scenario=results[0].scenario,
        concurrency=results[0].concurrency,
        seconds=round(sum(r.seconds for r in results), 3),
        ok=sum(r.ok for r in results),
        per_s=median(r.per_s for r in results),
        p50_ms=median(r.p50_ms for r in results),
        p90_ms=median(r.p90_ms for r in results),
        p99_ms=median(r.p99_ms for r in results),
        max_ms=max(r.max_ms for r in results),
        failures=failures,
    )


def median(values: Iterable[float]) -> float:
    return round(statistics.median(values), 2)
