"""``/metrics`` figures read from this process's container at each scrape:
projection lag and the database pools' usage."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from api.metrics import REGISTRY
from application.errors import DatabaseUnavailable
from infrastructure.bootstrap import Container
from infrastructure.recorder import recorder_of

POOL_FIGURES = {
    "pool_size": "connections open",
    "pool_available": "connections idle in the pool",
    "requests_waiting": "requests waiting for a connection",
    "pool_max": "most connections the pool may open",
}


class ContainerCollector(Collector):
    def __init__(self, container: Container) -> None:
        self.container = container

    def collect(self) -> Iterable[Metric]:
        yield self._pools()
        yield from self._projection()
        if self.container.replica is not None:
            yield self._reading_from_replica(self.container.replica.reader is not None)

    def _reading_from_replica(self, on_replica: bool) -> Metric:
        return GaugeMetricFamily(
            "appointments_read_replica_in_use",
            "1 while retrieve and list read from APPOINTMENTS_READ_DATABASE_URL; "
            "0 while they fall back to the primary",
            value=float(on_replica),
        )

    def _pools(self) -> Metric:
        family = GaugeMetricFamily(
            "appointments_db_pool",
            "Database pool usage: "
            + "; ".join(f"{k}: {v}" for k, v in POOL_FIGURES.items()),
            labels=["pool", "figure"],
        )
        pools: dict[str, Any] = {
            "event_store": recorder_of(self.container.app).datastore.pool,
            "read_model": self.container.projections.view.datastore.pool,
        }
        replica = self.container.replica
        if replica is not None and replica.reader is not None:
            pools["read_replica"] = replica.reader.datastore.pool
        for name, pool in pools.items():
            stats = pool.get_stats()
            for figure in POOL_FIGURES:
                family.add_metric([name, figure], float(stats.get(figure, 0)))
        return family

    def _projection(self) -> Iterator[Metric]:
        """Position, head and lag; absent while the database is unreachable."""
        try:
            head = self.container.app.head_position()
            position = self.container.projections.view.position()
        except DatabaseUnavailable:
            return
        for name, value, text in (
            ("appointments_event_store_position", head, "The newest feed position."),
            (
                "appointments_projection_position",
                position,
                "The read model's position.",
            ),
            (
                "appointments_projection_lag",
                max(head - position, 0),
                "Feed positions recorded but not yet in the read model.",
            ),
        ):
            yield GaugeMetricFamily(name, text, value=float(value))


@contextmanager
def container_metrics(container: Container) -> Iterator[None]:
    """Show ``container``'s figures in ``/metrics`` while the app runs."""
    collector = ContainerCollector(container)
    REGISTRY.register(collector)
    try:
        yield
    finally:
        REGISTRY.unregister(collector)
