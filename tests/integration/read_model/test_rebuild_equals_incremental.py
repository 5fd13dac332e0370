"""A rebuilt read model equals the one the projection built event by event:
every row of every table, for any mix of appointments, commands, series
with their exceptions, and metadata; folded here or in a worker process,
from plain, compressed and encrypted events of every stored version."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from eventsourcing.persistence import MapperDeserialisationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.sql import SQL, Identifier

from application.recurrence import Series
from application.service import AppointmentsApplication
from domain.appointment import Appointment
from domain.ids import occurrence_id
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.encryption import is_plain, new_key
from infrastructure.read_model.tables import PRIMARY_KEYS, TABLES
from infrastructure.settings import load_settings
from tests.builders import (
    HOUR_MS,
    START,
    TEXT,
    a_draft,
    a_property_draft,
    commands_for,
    stored_as_version,
)
from tests.fakes import ManualClock, RecordingVideoMeetings
from tests.integration.read_model.dataset import seed_variety
from tests.integration.read_model.helpers import fetch, head, project_all

AWKWARD = st.text(
    st.sampled_from("\\\t\n\r\"' aé\u2028😀") | TEXT, min_size=1, max_size=8
)
"""Text with what ``COPY`` and JSON must escape."""
METADATA = st.dictionaries(
    st.text("abcxyz_", min_size=1, max_size=6), AWKWARD, max_size=3
)


def every_row(container: Container) -> dict[str, list[dict[str, Any]]]:
    """Every column of every row of the read model's tables, by primary key."""
    return {
        table: fetch(
            container,
            SQL("SELECT * FROM {table} ORDER BY {key}")
            .format(
                table=Identifier(table),
                key=SQL(", ").join(Identifier(c) for c in PRIMARY_KEYS[table]),
            )
            .as_string(),
        )
        for table in TABLES
    }


def write_commanded(app: AppointmentsApplication, data: st.DataObject) -> None:
    draft = replace(
        a_property_draft(),
        metadata=data.draw(METADATA, label="metadata"),
        name=data.draw(AWKWARD, label="name"),
    )
    written = app.schedule(draft)
    appointment_id = written.document["id"]
    if data.draw(st.booleans(), label="confirmed with a reason"):
        reason = data.draw(AWKWARD, label="reason")
        written = app.change_status(
            appointment_id, status="confirmed", changed_by="u_desk", reason=reason
        )
    for _ in range(data.draw(st.integers(0, 5), label="steps")):
        if written.document["status"] == "cancelled":
            return
        written = data.draw(commands_for(written.document)).run_through(
            app, appointment_id
        )


def write_series(app: AppointmentsApplication, data: st.DataObject) -> None:
    """A series, then perhaps a moved occurrence (detached into an appointment
    of its own), new metadata, and this and following occurrences cancelled."""
    count = data.draw(st.integers(2, 5), label="occurrences")
    rule = f"FREQ=DAILY;COUNT={count}"
    draft = a_draft(
        host="host_series",
        recurring={"is_recurring": True, "rule": rule, "timezone": "UTC"},
        metadata=data.draw(METADATA, label="series metadata"),
    )
    series = app.schedule(draft).document
    starts = Series.of(series).starts_between(None, None)
    occurrences = st.sampled_from(starts)
    if data.draw(st.booleans(), label="move one"):
        original = data.draw(occurrences, label="moved")
        app.reschedule(
            occurrence_id(series["id"], original),
            start_time=original + HOUR_MS,
            end_time=original + 2 * HOUR_MS,
            changed_by="u_desk",
            allow_overlap=True,
        )
    if data.draw(st.booleans(), label="new metadata"):
        changes = {"metadata": data.draw(METADATA, label="metadata change")}
        app.update(series["id"], changed_by="u_desk", changes=changes)
    if data.draw(st.booleans(), label="cancel the rest"):
        original = data.draw(occurrences, label="cancelled from")
        app.change_status(
            occurrence_id(series["id"], original),
            status="cancelled",
            changed_by="u_desk",
            scope="this_and_following",
        )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_a_rebuilt_read_model_equals_the_incremental_one_row_by_row(
    container: Container, data: st.DataObject
) -> None:
    """The container lives across examples: each adds to the store, projects
    it onto the previous rebuild's tables, and rebuilds it all again."""
    for _ in range(data.draw(st.integers(1, 3), label="appointments")):
        write_commanded(container.app, data)
    if data.draw(st.booleans(), label="a series"):
        write_series(container.app, data)
    project_all(container)
    incremental = every_row(container)

    position = container.projections.rebuild(processes=0)

    assert position == head(container)
    assert every_row(container) == incremental


COMPRESSOR = "eventsourcing.compressor:ZlibCompressor"


@pytest.fixture
def sealed(
    database_url: str,
    schema: str,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Container]:
    """A store whose events are compressed, then encrypted."""
    monkeypatch.setenv("COMPRESSOR_TOPIC", COMPRESSOR)
    settings = load_settings(database_url=database_url, encryption_key=new_key())
    built = bootstrap(
        settings, schema=schema, clock=clock, video=RecordingVideoMeetings()
    )
    yield built
    built.close()


def store_older_events(app: AppointmentsApplication) -> None:
    """Events of every kind as their first release stored them."""
    written = app.schedule(a_draft(group=True, attendees=["p_old"]))
    appointment: Appointment = app.repository.get(written.document["id"])
    at = START
    appointment.update(changed_by="u_old", at=at, changes={"name": "Old"})
    appointment.change_attendee(
        attendee_id="p_old", changed_by="u_old", at=at, changes={"no_show": True}
    )
    appointment.change_status(status="confirmed", changed_by="u_old", at=at + 1)
    older = [
        stored_as_version(app.mapper, event, 1)  # type: ignore[arg-type]
        for event in appointment.collect_events()
    ]
    app.recorder.insert_events(older)
    created = Appointment.schedule(
        appointment_id="appt_" + "V" * 20, draft=a_draft(), video_call=None, at=at
    )
    app.recorder.insert_events(
        [stored_as_version(app.mapper, created.collect_events()[0], 1)]  # type: ignore[arg-type]
    )


def test_a_rebuild_folding_in_a_worker_process_equals_the_incremental_one(
    sealed: Container,
) -> None:
    seed_variety(sealed.app)
    store_older_events(sealed.app)
    project_all(sealed)
    incremental = every_row(sealed)
    progress: list[tuple[int, int]] = []

    position = sealed.projections.rebuild(
        processes=1, on_progress=lambda done, total: progress.append((done, total))
    )

    stored = sealed.app.recorder.select_notifications(start=1, limit=10**6)
    assert not is_plain(stored[0].state)
    assert position == head(sealed)
    assert every_row(sealed) == incremental
    assert progress[-1] == (len(stored), len(stored))


def test_a_worker_process_failure_fails_the_rebuild_and_leaves_the_live_model(
    sealed: Container,
) -> None:
    seed_variety(sealed.app, count=4)
    project_all(sealed)
    live = every_row(sealed)
    recorder = sealed.app.recorder
    events = Identifier(recorder.datastore.schema, recorder.events_table_name)  # type: ignore[attr-defined]
    with recorder.datastore.transaction(commit=True) as curs:  # type: ignore[attr-defined]
        curs.execute(
            SQL(
                "UPDATE {} SET state = '\\x00'::bytea WHERE notification_id = 3"
            ).format(events)
        )

    with pytest.raises(MapperDeserialisationError, match="Failed to deserialise"):
        sealed.projections.rebuild(processes=1)

    assert every_row(sealed) == live
