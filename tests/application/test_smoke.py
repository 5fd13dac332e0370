from infrastructure.bootstrap import Container
from tests.builders import a_draft


def test_schedules_and_reads_back_from_the_event_store(container: Container) -> None:
    written = container.app.schedule(a_draft())

    state = container.app.get(written.document["id"])

    assert state.document == written.document
    assert state.version == 1
    assert written.position is not None
    assert written.position >= 1
