"""The composition root: builds everything from settings, and nothing else does."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from application.access import ApiKeyStore, RateLimiter
from application.bookings import BusyTimes
from application.calendar import CalendarSource
from application.calendar_feeds import CalendarFeeds
from application.idempotency import IdempotencyStore
from application.ports import Clock, VideoMeetings
from application.queries import ReadModel, RenderedReads
from application.service import AppointmentsApplication
from application.video import LocalVideoMeetings
from application.webhooks import Webhooks
from infrastructure.advisory_locks import is_lock_held
from infrastructure.analytics.install import install_analytics
from infrastructure.api_keys import PostgresApiKeyStore
from infrastructure.calendar_feeds import (
    PostgresCalendarFeedStore,
    PostgresCalendarSource,
)
from infrastructure.database import check_reachable, ensure_schema, eventsourcing_env
from infrastructure.embedded import start_embedded
from infrastructure.encryption import check_stored_events, cipher_env, cipher_for
from infrastructure.idempotency import PostgresIdempotencyStore
from infrastructure.key_cache import KeyCache
from infrastructure.occupancy import PostgresBusyTimes
from infrastructure.occupancy_backfill import backfill_occupancy
from infrastructure.rate_limit import PostgresLimitsStorage, PostgresRateLimiter
from infrastructure.read_model import (
    AppointmentsProjection,
    AppointmentsView,
    PostgresReadModel,
    ReadModelProjections,
    build_view,
)
from infrastructure.read_model.body_cache import BodyCache
from infrastructure.read_model.invalidation import CacheListener
from infrastructure.read_model.replica import (
    ReplicaReads,
    ServerReads,
    open_replica_reads,
)
from infrastructure.read_model.retrieve import (
    RETRIEVE_POOL_SIZE,
    AsyncPools,
    CachedRetrieve,
)
from infrastructure.read_model.runner import rebuild_key
from infrastructure.recorder import AppointmentsRecorder, recorder_of
from infrastructure.settings import Settings, SettingsError
from infrastructure.webhooks import DeliveryOptions, WebhookDelivery, build_webhooks
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
    calendar_feeds: CalendarFeeds
    calendar_source: CalendarSource
    api_keys: ApiKeyStore
    key_cache: KeyCache
    rate_limiter: RateLimiter | None

    @property
    def encrypted(self) -> bool:
        return self.settings.encryption_key is not None

    webhooks: Webhooks
    webhook_delivery: WebhookDelivery
    retrieve: RenderedReads
    cache_listener: CacheListener
    replica: ReplicaReads | None = None
    """Set when ``APPOINTMENTS_READ_DATABASE_URL`` names a read replica."""

    def read_database(self) -> str:
        """Where retrieve, list, availability and calendar feeds read now
        (``/readyz`` shows it)."""
        return "primary" if self.replica is None else self.replica.serving

    def start_projections(self) -> None:
        """Run the projections and webhook delivery in this process (leader
        or standby)."""
        self.projections.start()
        self.webhook_delivery.start()

    def stop_projections(self) -> None:
        self.projections.stop()
        self.webhook_delivery.stop()

    def start_serving(self) -> None:
        """What an API process runs besides its routes: the retrieve cache's
        listener."""
        self.cache_listener.start()

    def close(self) -> None:
        self.cache_listener.stop()
        self.webhook_delivery.stop()
        self.projections.close()
        if self.replica is not None:
            self.replica.close()
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


def primary_reads(
    recorder: AppointmentsRecorder, view: AppointmentsView
) -> ServerReads:
    """The primary's: availability through the event store's pool, the rest
    through the read model's."""
    return ServerReads(
        PostgresReadModel(view),
        PostgresBusyTimes(recorder.datastore, recorder.occupancy),
        PostgresCalendarSource(view.datastore),
    )


def build_replica(
    settings: Settings,
    primary: ServerReads,
    env: dict[str, str],
    recorder: AppointmentsRecorder,
) -> ReplicaReads | None:
    """Reads from ``APPOINTMENTS_READ_DATABASE_URL``, when it is set (``env``:
    the event store's, whose schema, pool and timeouts the replica's pool shares)."""
    url = settings.read_database_url
    if not url:
        return None
    connect_timeout = settings.database_connect_timeout
    return ReplicaReads(
        primary,
        partial(open_replica_reads, url, env, connect_timeout, recorder.occupancy),
    )


def bootstrap(
    settings: Settings,
    *,
    database_url: str | None = None,
    schema: str = "",
    clock: Clock | None = None,
    video: VideoMeetings | None = None,
    webhook_options: DeliveryOptions | None = None,
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
    env.update(cipher_env(settings))
    app = AppointmentsApplication(
        env,
        clock=clock,
        video=video or build_video(settings),
        write_retry_seconds=settings.write_retry_budget,
    )
    check_stored_events(app.recorder, cipher_for(settings.encryption_key))
    backfill_occupancy(app)
    recorder = recorder_of(app)
    idempotency = PostgresIdempotencyStore(recorder.datastore, recorder.idempotency)
    view = build_view(env)
    install_analytics(view)
    projections = ReadModelProjections(app=app, view=view, database_url=url)
    datastore = recorder_of(app).datastore
    calendar_feeds = CalendarFeeds(
        PostgresCalendarFeedStore(datastore, app.name.lower() + "_calendar_feeds"),
        app.clock,
    )
    api_keys = build_api_keys(app)
    options = webhook_options or DeliveryOptions(
        allow_private=settings.webhook_allow_private
    )
    webhooks, webhook_delivery = build_webhooks(app, url, options)
    primary = primary_reads(recorder, view)
    replica = build_replica(settings, primary, env, recorder)
    listener = build_cache_listener(view, url, settings)
    pools = AsyncPools(
        size=min(settings.database_pool_size, RETRIEVE_POOL_SIZE),
        timeout=settings.database_pool_timeout,
        connect_timeout=settings.database_connect_timeout,
    )
    return Container(
        settings=settings,
        database_url=url,
        env=env,
        app=app,
        idempotency=idempotency,
        read_model=primary.read_model if replica is None else replica,
        projections=projections,
        busy_times=primary.busy_times if replica is None else replica,
        calendar_feeds=calendar_feeds,
        calendar_source=primary.calendar if replica is None else replica,
        api_keys=api_keys,
        key_cache=KeyCache(api_keys, app.clock),
        rate_limiter=build_rate_limiter(app, settings),
        webhooks=webhooks,
        webhook_delivery=webhook_delivery,
        retrieve=CachedRetrieve(view, listener, pools, replica=replica),
        cache_listener=listener,
        replica=replica,
    )


def build_cache_listener(
    view: AppointmentsView, url: str, settings: Settings
) -> CacheListener:
    """Retrieve's cache (``settings.retrieve_cache_size`` bodies) and the
    listener that keeps it honest."""
    view.bodies = BodyCache(settings.retrieve_cache_size)
    key = rebuild_key(view.datastore.schema, AppointmentsProjection.name)
    return CacheListener(
        database_url=url,
        channel=view.channel,
        origin=view.origin,
        cache=view.bodies,
        committed=view.committed,
        rebuild_running=partial(is_lock_held, key=key),
    )


def build_api_keys(app: AppointmentsApplication) -> PostgresApiKeyStore:
    return PostgresApiKeyStore(
        app.recorder.datastore,  # type: ignore[attr-defined]
        table=app.name.lower() + "_api_keys",
    )


def build_rate_limiter(
    app: AppointmentsApplication, settings: Settings
) -> RateLimiter | None:
    """The per-key limit shared by every process; None when set to 0."""
    if settings.rate_limit_per_minute == 0:
        return None
    storage = PostgresLimitsStorage(
        app.recorder.datastore,  # type: ignore[attr-defined]
        table=app.name.lower() + "_rate_limits",
    )
    return PostgresRateLimiter(storage, settings.rate_limit_per_minute)
