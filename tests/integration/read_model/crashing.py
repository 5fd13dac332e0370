"""Views that fail in the middle of a batch: after writing its rows, before
its tracking record and commit."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from psycopg import Cursor
from psycopg.rows import DictRow

from application.queries import AppointmentState
from domain.appointment import Appointment
from infrastructure.bootstrap import bootstrap
from infrastructure.read_model import (
    AppointmentsProjection,
    AppointmentsView,
    ProjectionWorker,
    RunnerTimings,
)
from infrastructure.settings import load_settings


class SimulatedCrash(Exception):
    pass


class CrashingView(AppointmentsView):
    """Raises inside the transaction of its batch number ``crash_on`` (from 1)."""

    crash_on = 3

    def save_events(
        self,
        curs: Cursor[DictRow],
        events: Sequence[Appointment.Event],
        current: Mapping[str, AppointmentState] | None = None,
    ) -> None:
        super().save_events(curs, events, current)
        self.batches = getattr(self, "batches", 0) + 1
        if self.batches == self.crash_on:
            raise SimulatedCrash(f"crashed inside batch {self.batches}")


class HangingView(AppointmentsView):
    """Hangs inside the transaction of its second batch, after saying so in a
    marker file, so a test can kill the process there."""

    marker: Path

    def save_events(
        self,
        curs: Cursor[DictRow],
        events: Sequence[Appointment.Event],
        current: Mapping[str, AppointmentState] | None = None,
    ) -> None:
        super().save_events(curs, events, current)
        self.batches = getattr(self, "batches", 0) + 1
        if self.batches == 2:
            self.marker.write_text("inside batch 2")
            time.sleep(30)


def run_hanging_worker(database_url: str, schema: str, marker: str) -> None:
    """A worker process whose second batch never finishes (until it is killed)."""
    container = bootstrap(load_settings(database_url=database_url), schema=schema)
    view = HangingView(container.projections.view.datastore)
    view.marker = Path(marker)
    ProjectionWorker(
        app=container.app,
        projection=AppointmentsProjection(view),
        database_url=container.database_url,
        timings=RunnerTimings(batch_size=5),
    ).run()


if __name__ == "__main__":
    run_hanging_worker(*sys.argv[1:4])
