"""The composition root: builds everything from settings, and nothing else does."""

from __future__ import annotations

from dataclasses import dataclass

from application.bookings import BusyTimes
from application.idempotency import IdempotencyStore
from application.ports import Clock, VideoMeetings
from application.queries import ReadModel
from application.service import AppointmentsApplication
from application.video import LocalVideoMeetings
from infrastructure.database import check_reachable, ensure_schema, eventsourcing_env
from infrastructure.embedded import start_embedded
from infrastructure.idempotency import PostgresIdempotencyStore
from infrastructure.occupancy_backfill import backfill_occupancy
from infrastructure.read_model import (
    PostgresReadModel,
    ReadModelProjections,
    build_view,
)
from infrastructure.recorder import recorder_of
from infrastructure.settings import Settings, SettingsError
from infrastructure.zoom import ZoomVideoMeetings
from infrastructure.zoom_auth import ZoomCredentials


@dataclass
class Container:
    settings: Settings
    database_url: str
    env: dict[str, str]
    app: AppointmentsApplication
    idempotency: IdempotencyStore
    read_model: ReadModel
    projections: ReadModelProjections
    busy_times: BusyTimes

    def start_projections(self) -> None:
        """Run the projections in this process (leader or standby)."""
        self.projections.start()

    def stop_projections(self) -> None:
        self.projections.stop()

    def close(self) -> None:
        self.projections.close()
        self.app.close()
        if isinstance(self.app.video, ZoomVideoMeetings):
            self.app.video.close()


def resolve_database_url(settings: Settings) -> str:
    """The configured URL, or the embedded server's (started if need be)."""
    if settings.database_url:
        return settings.database_url
    return start_embedded(settings.data_dir)


def build_video(settings: Settings) -> VideoMeetings:
    """The video provider named by ``APPOINTMENTS_VIDEO_PROVIDER``."""
    if settings.video_provider == "zoom":
        return ZoomVideoMeetings(
            zoom_credentials(settings),
            api_base_url=settings.zoom_api_base_url,
            oauth_url=settings.zoom_oauth_url,
        )
    return LocalVideoMeetings()


def zoom_credentials(settings: Settings) -> ZoomCredentials:
    account_id, client_id = settings.zoom_account_id, settings.zoom_client_id
    secret = settings.zoom_client_secret
    if not (account_id and client_id and secret):
        raise SettingsError(
            "ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET: required for zoom"
        )
    return ZoomCredentials(account_id, client_id, secret.get_secret_value())


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
        pool_timeout=settings.database_pool_timeout,
        statement_timeout=settings.database_statement_timeout,
    )
    app = AppointmentsApplication(
        env,
        clock=clock,
        video=video or build_video(settings),
        write_retry_seconds=settings.write_retry_budget,
    )
    backfill_occupancy(app)
    recorder = recorder_of(app)
    idempotency = PostgresIdempotencyStore(recorder.datastore, recorder.idempotency)
    view = build_view(env)
    projections = ReadModelProjections(app=app, view=view, database_url=url)
    return Container(
        settings=settings,
        database_url=url,
        env=env,
        app=app,
        idempotency=idempotency,
        read_model=PostgresReadModel(view),
        projections=projections,
        busy_times=recorder_of(app),
    )
