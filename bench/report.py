"""The run's figures: one flat JSON object of numbers (plus settings,
ratios and per-phase detail), and the table printed at the end."""

from __future__ import annotations

import json
import operator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.dblimit import DbLimit
from bench.lag import LagResult
from bench.rebuild import Rebuilt
from bench.stats import LoadResult, ratio


@dataclass(frozen=True)
class Measured:
    phases: dict[str, LoadResult]
    lag: LagResult
    rebuilt: Rebuilt
    db_limit: DbLimit
    peak_rss_mb: float
    peak_rss_mb_largest_process: float
    seed: dict[str, float]


def load_figures(m: Measured, concurrencies: tuple[int, ...]) -> dict[str, float]:
    p = m.phases
    figures: dict[str, float] = {}
    for c in concurrencies:
        for prefix, phase in (
            ("creates", f"create_c{c}"),
            ("crud_creates", f"crud_create_c{c}"),
        ):
            figures[f"{prefix}_per_s_c{c}"] = p[phase].per_s
            figures[f"{prefix}_p50_ms_c{c}"] = p[phase].p50_ms
            figures[f"{prefix}_p99_ms_c{c}"] = p[phase].p99_ms
    for prefix in ("", "crud_"):
        figures[f"{prefix}retrieve_per_s"] = p[f"{prefix}retrieve"].per_s
        figures[f"{prefix}retrieve_p50_ms"] = p[f"{prefix}retrieve"].p50_ms
        figures[f"{prefix}retrieve_p99_ms"] = p[f"{prefix}retrieve"].p99_ms
        figures[f"{prefix}list_p50_ms"] = p[f"{prefix}list_latency"].p50_ms
        figures[f"{prefix}list_p99_ms"] = p[f"{prefix}list_latency"].p99_ms
        figures[f"{prefix}list_per_s"] = p[f"{prefix}list_load"].per_s
        figures[f"{prefix}list_p99_ms_under_load"] = p[f"{prefix}list_load"].p99_ms
    figures["constant_per_s"] = p["constant"].per_s
    figures["constant_p99_ms"] = p["constant"].p99_ms
    return figures  # fmt: skip


def other_figures(m: Measured) -> dict[str, float]:
    return {
        "db_locked_inserts_per_s": m.db_limit.inserts_per_s,
        "projection_lag_p50_ms": m.lag.p50_ms,
        "projection_lag_p99_ms": m.lag.p99_ms,
        "projection_lag_max_ms": m.lag.max_ms,
        "projection_lag_events": m.lag.events,
        "projection_lag_poll_ms": m.lag.poll_ms,
        "projection_lag_creates_per_s": m.phases["lag_create"].per_s,
        "rebuild_events_per_s": m.rebuilt.events_per_s,
        "rebuild_replay_events_per_s": m.rebuilt.replay_events_per_s,
        "rebuild_events": m.rebuilt.events,
        "rebuild_seconds": m.rebuilt.seconds,
        "peak_rss_mb": round(m.peak_rss_mb, 1),
        "peak_rss_mb_largest_process": round(m.peak_rss_mb_largest_process, 1),
        "failed_requests": sum(sum(r.failures.values()) for r in m.phases.values()),
        **m.seed,
    }


RATIOS = (
    ("creates_vs_crud_c1", "creates_per_s_c1", "crud_creates_per_s_c1"),
    ("creates_vs_crud_c8", "creates_per_s_c8", "crud_creates_per_s_c8"),
    ("creates_vs_crud_c32", "creates_per_s_c32", "crud_creates_per_s_c32"),
    ("creates_vs_db_limit_c32", "creates_per_s_c32", "db_locked_inserts_per_s"),
    (
        "crud_creates_vs_db_limit_c32",
        "crud_creates_per_s_c32",
        "db_locked_inserts_per_s",
    ),
    ("retrieve_vs_constant", "retrieve_per_s", "constant_per_s"),
    ("retrieve_vs_crud", "retrieve_per_s", "crud_retrieve_per_s"),
    ("crud_retrieve_vs_constant", "crud_retrieve_per_s", "constant_per_s"),
    ("list_per_s_vs_crud", "list_per_s", "crud_list_per_s"),
    ("list_p99_vs_crud", "list_p99_ms", "crud_list_p99_ms"),
)
"""Each ratio's name, numerator and denominator (figure keys)."""


def ratios(figures: dict[str, float]) -> dict[str, float]:
    return {
        name: ratio(figures[numerator], figures[denominator])
        for name, numerator, denominator in RATIOS
    }


TARGETS = (
    ("creates_vs_crud_c32", ">=", 1.0),
    ("retrieve_vs_constant", ">=", 0.8),
    ("list_p99_ms", "<=", 10.0),
    ("list_per_s_vs_crud", ">=", 1.0),
    ("projection_lag_p99_ms", "<=", 50.0),
    ("rebuild_events_per_s", ">=", 20_000.0),
    ("peak_rss_mb_largest_process", "<", 150.0),
)
"""Issue 18's goals (list p99, list throughput and lag were raised there)."""
COMPARISONS = {">=": operator.ge, "<=": operator.le, "<": operator.lt}


def targets(values: dict[str, float]) -> dict[str, dict[str, Any]]:
    checked = {}
    for name, sense, goal in TARGETS:
        value = values[name]
        met = COMPARISONS[sense](value, goal)
        checked[name] = {"value": value, "target": f"{sense} {goal:g}", "met": met}
    return checked


def build(
    m: Measured, concurrencies: tuple[int, ...], context: dict[str, Any]
) -> dict[str, Any]:
    figures = {**load_figures(m, concurrencies), **other_figures(m)}
    ratio_values = ratios(figures)
    flat_ratios = {f"ratio_{k}": v for k, v in ratio_values.items()}
    return {
        **figures,
        **flat_ratios,
        **context,
        "ratios": ratio_values,
        "targets": targets({**figures, **ratio_values}),
        "phases": {name: r.as_dict() for name, r in m.phases.items()},
        "lag": asdict(m.lag),
        "db_limit_tool": m.db_limit.tool,
    }


def write(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")


def number(value: float) -> str:
    return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"


@dataclass(frozen=True)
class Row:
    label: str
    key: str
    baseline: str = ""
    baseline_key: str | None = None
    ratio_key: str | None = None
    target: str = ""


ROWS = (
    Row("creates/s c1", "creates_per_s_c1", "CRUD", "crud_creates_per_s_c1",
        "creates_vs_crud_c1"),
    Row("creates/s c8", "creates_per_s_c8", "CRUD", "crud_creates_per_s_c8",
        "creates_vs_crud_c8"),
    Row("creates/s c32", "creates_per_s_c32", "CRUD", "crud_creates_per_s_c32",
        "creates_vs_crud_c32", ">= 1.0x"),
    Row("creates/s c32", "creates_per_s_c32", "DB locked inserts/s",
        "db_locked_inserts_per_s", "creates_vs_db_limit_c32"),
    Row("retrieve/s c32", "retrieve_per_s", "constant", "constant_per_s",
        "retrieve_vs_constant", ">= 0.8x"),
    Row("retrieve/s c32", "retrieve_per_s", "CRUD", "crud_retrieve_per_s",
        "retrieve_vs_crud"),
    Row("retrieve p99 ms c32", "retrieve_p99_ms", "CRUD", "crud_retrieve_p99_ms"),
    Row("list p50 ms c1", "list_p50_ms", "CRUD", "crud_list_p50_ms"),
    Row("list p99 ms c1", "list_p99_ms", "CRUD", "crud_list_p99_ms",
        "list_p99_vs_crud", "<= 10 ms"),
    Row("list/s c32", "list_per_s", "CRUD", "crud_list_per_s", "list_per_s_vs_crud",
        ">= 1.0x"),
    Row("projection lag p50 ms", "projection_lag_p50_ms"),
    Row("projection lag p99 ms", "projection_lag_p99_ms", target="<= 50 ms"),
    Row("rebuild events/s", "rebuild_events_per_s", target=">= 20,000"),
    Row("peak RSS MB (service)", "peak_rss_mb"),
    Row("peak RSS MB (largest process)", "peak_rss_mb_largest_process",
        target="< 150"),
)  # fmt: skip

COLUMNS = ("measure", "service", "baseline", "baseline value", "ratio", "target")


def cells(row: Row, report: dict[str, Any]) -> tuple[str, ...]:
    baseline_value = number(report[row.baseline_key]) if row.baseline_key else ""
    shown_ratio = f"{report['ratios'][row.ratio_key]:.2f}x" if row.ratio_key else ""
    return (
        row.label,
        number(report[row.key]),
        row.baseline,
        baseline_value,
        shown_ratio,
        row.target,
    )


def show(report: dict[str, Any], console: Console) -> None:
    settings = report["settings"]
    table = Table(
        title=f"bench ({settings['profile']}): {report['cpu_count']} cores, "
        f"{settings['workers']} worker(s), pool {settings['pool_size']}"
    )
    for column in COLUMNS:
        table.add_column(column, justify="left" if column == "measure" else "right")
    for row in ROWS:
        table.add_row(*cells(row, report))
    console.print(table)
    failed = report["failed_requests"]
    if failed:
        console.print(f"[yellow]{failed} requests failed: see 'phases' in the JSON")
