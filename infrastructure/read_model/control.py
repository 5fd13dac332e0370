"""Controlling the read model's projections from one process: running them
(as leader or standby), their status, and rebuilds. The composition root
builds one ``ReadModelProjections``; the CLI's ``projections`` commands use it."""

from __future__ import annotations

from eventsourcing.utils import Environment

from application.service import AppointmentsApplication
from infrastructure.persistence import AppointmentsFactory
from infrastructure.read_model.catch_up import EventFeed
from infrastructure.read_model.projection import AppointmentsProjection
from infrastructure.read_model.rebuild import (
    DEFAULT_REBUILD_BATCH,
    RebuildProgress,
    rebuild,
)
from infrastructure.read_model.runner import (
    ProjectionWorker,
    RunnerTimings,
    leader_key,
    rebuild_key,
)
from infrastructure.read_model.status import ProjectionStatus, runner_is_active
from infrastructure.read_model.view import AppointmentsView


class UnknownProjection(Exception):
    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        super().__init__(f"No projection named {name!r}; known: {', '.join(known)}.")


def build_view(env: dict[str, str]) -> AppointmentsView:
    """The view, its tables created, configured like the event store (same
    database and schema) under the projection's name."""
    factory = AppointmentsFactory(Environment(AppointmentsProjection.name, env))
    return factory.tracking_recorder(AppointmentsView)


class ReadModelProjections:
    def __init__(
        self,
        *,
        app: AppointmentsApplication,
        view: AppointmentsView,
        database_url: str,
        timings: RunnerTimings | None = None,
    ) -> None:
        self.feed = EventFeed.of(app)
        self.view = view
        self.database_url = database_url
        self.projection = AppointmentsProjection(view)
        self.worker = ProjectionWorker(
            app=app,
            projection=self.projection,
            database_url=database_url,
            timings=timings,
        )

    @property
    def names(self) -> tuple[str, ...]:
        return (self.projection.name,)

    @property
    def failure(self) -> BaseException | None:
        """What stopped the runner, if the projection itself failed."""
        return self.worker.error

    def start(self) -> None:
        """Run the projections in this process (as leader or standby)."""
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()

    def status(self) -> list[ProjectionStatus]:
        key = leader_key(self.view.datastore.schema, self.projection.name)
        return [
            ProjectionStatus(
                name=self.projection.name,
                position=self.view.position(),
                head=self.feed.head(),
                runner_active=runner_is_active(self.database_url, key),
            )
        ]

    def rebuild(
        self,
        name: str | None = None,
        *,
        batch_size: int = DEFAULT_REBUILD_BATCH,
        on_progress: RebuildProgress | None = None,
        processes: int | None = None,
    ) -> int:
        """Rebuild the named projection (the only one, by default); its position."""
        if name is not None and name not in self.names:
            raise UnknownProjection(name, self.names)
        schema = self.view.datastore.schema
        return rebuild(
            self.feed,
            self.view,
            database_url=self.database_url,
            lock_key=rebuild_key(schema, self.projection.name),
            batch_size=batch_size,
            on_progress=on_progress,
            processes=processes,
        )

    def close(self) -> None:
        self.stop()
        self.view.datastore.close()
