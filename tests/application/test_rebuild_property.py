"""For random valid command sequences run through the service on PostgreSQL,
the stored events rebuild exactly what the commands produced."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.service import AppointmentsApplication
from domain.history import fold
from tests.builders import a_property_draft, commands_for


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_the_stored_events_rebuild_what_the_commands_produced(
    app: AppointmentsApplication, data: st.DataObject
) -> None:
    written = app.schedule(a_property_draft())
    appointment_id = written.document["id"]
    for _ in range(data.draw(st.integers(0, 8), label="steps")):
        if written.document["status"] == "cancelled":
            break
        command = data.draw(commands_for(written.document))
        written = command.run_through(app, appointment_id)

    stored = app.get(appointment_id)
    events = app.events_of(appointment_id)
    assert stored.document == written.document == fold(events)
    assert stored.version == written.version == len(events)
    entries = app.change_log(appointment_id)["entries"]
    assert [e["version"] for e in entries] == list(range(1, len(events) + 1))
