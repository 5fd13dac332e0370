"""Group commit's failure paths, forced on a real PostgreSQL: a group the store
refuses is rolled back and redone save by save (logged with ids only, counted
in the metrics); a failure that is not a refusal is every writer's failure,
and nothing is redone (a redo of a stored save would report a false conflict)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent
from psycopg import Cursor
from psycopg.rows import DictRow

from application.service import AppointmentsApplication
from infrastructure import store_metrics
from infrastructure.bootstrap import Container
from infrastructure.group_commit import PendingSave
from infrastructure.recorder import AppointmentsRecorder
from tests.builders import an_appointment

SECRET_NAME = "Private consultation about a condition"


class ShortOfIds(AppointmentsRecorder):
    """Its first group insert reports one notification id fewer than events."""

    shortfalls = 1

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kw: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kw)
        if self.shortfalls and ids:
            self.shortfalls -= 1
            return list(ids)[:-1]
        return ids


class LosesItsConnection(AppointmentsRecorder):
    """Its group transaction loses its connection after the inserts; counts
    the saves it is asked to redo alone."""

    redone = 0

    def _record_group_in(
        self,
        curs: Cursor[DictRow],
        group: Sequence[PendingSave],
        events: Sequence[StoredEvent],
    ) -> list[int]:
        ids = super()._record_group_in(curs, group, events)
        curs.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return ids

    def _insert_alone(
        self, stored_events: Sequence[StoredEvent], kwargs: dict[str, Any]
    ) -> Sequence[int] | None:
        self.redone += 1
        return super()._insert_alone(stored_events, kwargs)


def recorder_like(container: Container, kind: type[AppointmentsRecorder]) -> Any:
    real = container.app.recorder
    return kind(real.datastore, events_table_name=real.events_table_name)  # type: ignore[attr-defined]


def new_save(app: AppointmentsApplication, **overrides: Any) -> PendingSave:
    events = an_appointment(**overrides).collect_events()
    return PendingSave([app.mapper.to_stored_event(e) for e in events], {})


def stored_count(app: AppointmentsApplication, save: PendingSave) -> int:
    originator_id = save.stored_events[0].originator_id
    return len(app.recorder.select_events(originator_id))


def test_a_refused_group_is_redone_alone_logged_with_ids_and_counted(
    container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    app = container.app
    stored = new_save(app, name=SECRET_NAME)
    app.recorder.insert_events(stored.stored_events)
    first, second = new_save(app, name=SECRET_NAME), new_save(app, name=SECRET_NAME)
    again = PendingSave(stored.stored_events, {})
    fallbacks = store_metrics.GROUP_FALLBACKS._value.get()

    with caplog.at_level(logging.WARNING, logger="infrastructure.recorder"):
        app.recorder.group_commit._commit([first, again, second])  # type: ignore[attr-defined]

    assert first.outcome()
    assert second.outcome()
    with pytest.raises(IntegrityError):
        again.outcome()
    assert [stored_count(app, s) for s in (first, second, stored)] == [1, 1, 1]
    assert store_metrics.GROUP_FALLBACKS._value.get() == fallbacks + 1
    [warning] = [r.getMessage() for r in caplog.records]
    print("\nlogged:", warning)
    assert "UniqueViolation" in warning
    assert str(again.stored_events[0].originator_id) + "@1" in warning
    assert SECRET_NAME not in warning


def test_a_wrong_id_count_rolls_the_group_back_before_each_is_redone(
    container: Container,
) -> None:
    app = container.app
    recorder = recorder_like(container, ShortOfIds)
    group = [new_save(app), new_save(app)]

    recorder.group_commit._commit(group)

    outcomes = [save.outcome() for save in group]
    print("\nids after the redo:", outcomes)
    assert all(len(ids) == 1 for ids in outcomes)
    assert [stored_count(app, save) for save in group] == [1, 1]
    assert recorder.shortfalls == 0


def test_a_lost_connection_fails_every_writer_and_redoes_nothing(
    container: Container,
) -> None:
    app = container.app
    recorder = recorder_like(container, LosesItsConnection)
    group = [new_save(app), new_save(app), new_save(app)]
    fallbacks = store_metrics.GROUP_FALLBACKS._value.get()

    with pytest.raises(OperationalError):
        recorder.group_commit._commit(group)

    for save in group:
        with pytest.raises(OperationalError):
            save.outcome()
    assert recorder.redone == 0
    assert [stored_count(app, save) for save in group] == [0, 0, 0]
    assert store_metrics.GROUP_FALLBACKS._value.get() == fallbacks
