"""The composition root: builds everything from settings, and nothing else does."""

from __future__ import annotations

from dataclasses import dataclass

from application.idempotency import IdempotencyStore
from application.ports import Clock, VideoMeetings
from application.service import AppointmentsApplication
from infrastructure.database import check_reachable, ensure_schema, eventsourcing_env
from infrastructure.embedded import start_embedded
from infrastructure.idempotency import PostgresIdempotencyStore
from infrastructure.settings import Settings


@dataclass
class Container:
    settings: Settings
    database_url: str
    env: dict[str, str]
    app: AppointmentsApplication
    idempotency: IdempotencyStore

    def close(self) -> None:
        self.app.close()


def resolve_database_url(settings: Settings) -> str:
    """The configured URL, or the embedded server's (started if need be)."""
    if settings.database_url:
        return settings.database_url
    return start_embedded(settings.data_dir)


def bootstrap(
    settings: Settings,
    *,
    database_url: str | None = None,
    schema: str = "",
    clock: Clock | None = None,
    video: VideoMeetings | None = None,
) -> Container:
    url = database_url or resolve_database_url(settings)
    check_reachable(url, connect_timeout=settings.database_connect_timeout)
    if schema:
        ensure_schema(url, schema)
    env = eventsourcing_env(
        url,
        schema=schema,
        pool_size=settings.database_pool_size,
        connect_timeout=settings.database_connect_timeout,
    )
    app = AppointmentsApplication(env, clock=clock, video=video)
    idempotency = PostgresIdempotencyStore(
        app.recorder.datastore,  # type: ignore[attr-defined]
        table=app.name.lower() + "_idempotency_keys",
    )
    return Container(
        settings=settings, database_url=url, env=env, app=app, idempotency=idempotency
    )
