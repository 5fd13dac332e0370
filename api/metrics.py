"""Prometheus metrics of this API process."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            method = scope["method"]
            REQUESTS.labels(method, template, str(status)).inc()
            LATENCY.labels(method, template).observe(time.perf_counter() - started)
