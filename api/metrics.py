"""Prometheus metrics of this API process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from infrastructure import store_metrics

REGISTRY = CollectorRegistry()

REQUESTS = Counter(
    "appointments_http_requests_total",
    "HTTP requests by method, route and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "appointments_http_request_seconds",
    "HTTP request latency by method and route.",
    ["method", "route"],
    registry=REGISTRY,
)
EVENT_STORE_HEAD = Gauge(
    "appointments_event_store_head",
    "The newest feed position seen by the last readiness check.",
    registry=REGISTRY,
)
for _store_metric in store_metrics.COLLECTORS:
    REGISTRY.register(_store_metric)


def observe(method: str, route: str, status: int, seconds: float) -> None:
    """Count one request (``api.request_log`` measures each one)."""
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)
