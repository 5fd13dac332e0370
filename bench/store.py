"""Preparing the store: seed through the application, rebuild the read
model (timed), and write the read phases' workload."""

from __future__ import annotations

import random

from application.video import LocalVideoMeetings
from bench.lag import LagTables
from bench.progress import progress_bar
from bench.rebuild import Rebuilt, timed_rebuild
from bench.seed import Seeded, seed
from bench.session import Session
from bench.workload import Workload, list_windows
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.settings import load_settings

WORKLOAD_SEED = 8


def prepare_store(session: Session, url: str) -> tuple[Seeded, Rebuilt, LagTables]:
    config = session.config
    settings = load_settings(database_url=url, database_pool_size=config.pool_size)
    container = bootstrap(settings, database_url=url, video=LocalVideoMeetings())
    try:
        with progress_bar(session.console) as bar:
            seeded = seed(
                container.app,
                appointments=config.appointments,
                extra_events=config.extra_events,
                hosts=config.hosts,
                threads=config.seed_threads,
                bar=bar,
            )
            profile_to = session.run_dir / "rebuild-pyinstrument.txt"
            rebuilt = timed_rebuild(
                container,
                bar,
                batch_size=config.rebuild_batch,
                profile_to=profile_to if config.profile_rebuild else None,
            )
        tables = lag_tables(container)
    finally:
        container.close()
    return seeded, rebuilt, tables


def lag_tables(container: Container) -> LagTables:
    recorder = container.app.recorder
    return LagTables(
        schema=recorder.datastore.schema,  # type: ignore[attr-defined]
        events_table=recorder.events_table_name,  # type: ignore[attr-defined]
        tracking_table=container.projections.view.tracking_table_name,
        application_name=container.projections.view.application_name,
    )


def write_workload(session: Session, ids: list[str]) -> None:
    config = session.config
    rng = random.Random(WORKLOAD_SEED)
    sample = rng.sample(ids, min(len(ids), config.retrieve_ids))
    windows = list_windows(
        config.appointments, config.hosts, config.list_windows, WORKLOAD_SEED
    )
    Workload(sample, windows).write(session.workload_path)
