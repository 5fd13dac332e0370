"""Rebuilding the view from every event, while the live one keeps serving.

1. Create fresh tables beside the live ones (suffix ``__rebuild``), without
   any index, not even their primary keys, and replay every event up to the
   head into them, one appointment at a time (``replay.py``): each
   appointment is folded from all its events, in a worker process, and its
   rows are copied in once (``COPY``); the fresh set's tracking records the head.
2. Add the primary keys, build the secondary indexes and ``ANALYZE``.
3. Swap, in one transaction: lock the live tracking row (the live runner
   finishes its batch and then waits), apply the events recorded meanwhile
   (up to the head at that moment: later ones are the live runner's), drop
   the live tables, rename the fresh ones (and their indexes) into place,
   and set the live tracking row to the fresh set's position (the analytics
   views over the live tables are dropped and made again around the swap).
   Readers wait only for this short transaction; the live runner then resumes
   from the new position, skipping what the rebuild already applied.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from eventsourcing.persistence import Notification
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from infrastructure.advisory_locks import LOCK_UNTIL_COMMIT, AdvisoryLock
from infrastructure.analytics.views import AnalyticsViews
from infrastructure.read_model.catch_up import EventFeed, catch_up
from infrastructure.read_model.invalidation import REBUILDING, REBUILT, announce
from infrastructure.read_model.projection import AppointmentsProjection
from infrastructure.read_model.replay import replay_by_appointment
from infrastructure.read_model.tables import REBUILD_SUFFIX
from infrastructure.read_model.view import AppointmentsView

RebuildProgress = Callable[[int, int], None]
"""Told ``(position, head)`` after each batch."""

DEFAULT_REBUILD_BATCH = 1000


class RebuildInProgress(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(f"Another rebuild holds the lock {key!r}; try again later.")


class RebuildFellBehind(Exception):
    """The fresh tables ended behind the live view: swapping would lose events."""


def rebuild(
    feed: EventFeed,
    live: AppointmentsView,
    *,
    database_url: str,
    lock_key: str,
    batch_size: int = DEFAULT_REBUILD_BATCH,
    on_progress: RebuildProgress | None = None,
    processes: int | None = None,
) -> int:
    """Replay every event into fresh tables and swap them in; the position
    the live view continues from. ``processes``: the replay's worker
    processes (``None``: chosen by the store's size, ``replay.py``)."""
    lock = AdvisoryLock(database_url, lock_key)
    if not lock.try_acquire():
        raise RebuildInProgress(lock_key)
    try:
        # Caches distrust themselves from now until the swap is done.
        announce(database_url, live.channel, REBUILDING)
        fresh = fresh_view(live)
        replay_by_appointment(
            feed, fresh, feed.head(), on_progress, processes=processes
        )
        build_indexes(fresh)
        return swap_in(feed, live, fresh, batch_size)
    finally:
        announce(database_url, live.channel, REBUILT)
        live.bodies.clear()
        lock.release()


def fresh_view(live: AppointmentsView) -> AppointmentsView:
    fresh = AppointmentsView(
        live.datastore,
        tracking_table_name=live.tracking_table_name + REBUILD_SUFFIX,
        suffix=REBUILD_SUFFIX,
        indexes=False,
        application_name=live.application_name,
    )
    with live.datastore.transaction(commit=True) as curs:
        for statement in fresh.tables.drop_statements():
            curs.execute(statement)
        curs.execute(drop_tracking_table(fresh))
    fresh.create_table()
    return fresh


def build_indexes(view: AppointmentsView) -> None:
    tables = view.tables
    with view.datastore.transaction(commit=True) as curs:
        for statement in (
            tables.add_primary_key_statements() + tables.create_index_statements()
        ):
            curs.execute(statement)
    with view.datastore.cursor() as curs:  # ANALYZE outside a transaction block
        for statement in view.tables.analyze_statements():
            curs.execute(statement)


def swap_in(
    feed: EventFeed, live: AppointmentsView, fresh: AppointmentsView, batch_size: int
) -> int:
    projection = AppointmentsProjection(fresh)
    with live.datastore.transaction(commit=True) as curs:
        curs.execute(LOCK_UNTIL_COMMIT, (live.ddl_lock_key,))
        live_position = live.claim_position(curs, feed.name)

        def apply_batch(notifications: Sequence[Notification]) -> int:
            with curs.connection.pipeline():
                return fresh.apply_in(
                    curs, *projection.batch(notifications, feed.mapper, feed.name)
                )

        position = catch_up(
            feed,
            apply_batch,
            position=fresh.position(),
            batch_size=batch_size,
            until=feed.head(),
        )
        if position < live_position:
            raise RebuildFellBehind(f"fresh at {position}, live at {live_position}")
        replace_live_tables(curs, live, fresh, position)
    return position


def replace_live_tables(
    curs: Cursor[DictRow],
    live: AppointmentsView,
    fresh: AppointmentsView,
    position: int,
) -> None:
    """The analytics views read the live tables: dropped first, made again
    over the renamed ones, all in the swap's transaction."""
    analytics = AnalyticsViews(live.datastore.schema, live.tables)
    for statement in analytics.drop_statements() + live.tables.drop_statements():
        curs.execute(statement)
    for statement in fresh.tables.rename_into_place_statements():
        curs.execute(statement)
    for statement in analytics.create_statements():
        curs.execute(statement)
    curs.execute(
        SQL(
            "UPDATE {tracking} SET notification_id = %s WHERE application_name = %s"
        ).format(tracking=Identifier(live.datastore.schema, live.tracking_table_name)),
        (position, live.application_name),
    )
    curs.execute(drop_tracking_table(fresh))


def drop_tracking_table(view: AppointmentsView) -> Composed:
    return SQL("DROP TABLE IF EXISTS {table}").format(
        table=Identifier(view.datastore.schema, view.tracking_table_name)
    )
