"""``audit verify``: check every stream's hash chain, re-fold every appointment
and compare it with the read model, as they are (no projection is run)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from eventsourcing.persistence import Mapper

from application.queries import MAX_PAGE_SIZE, AppointmentState, ListQuery, ReadModel
from application.service import AppointmentsApplication
from infrastructure.audit.chain_checks import check_chain
from infrastructure.audit.findings import Check, Finding, VerifyReport
from infrastructure.audit.links import ChainStore, StoredLink
from infrastructure.audit.refold import check_read_model, decode
from infrastructure.read_model import AppointmentsView, PostgresReadModel
from infrastructure.recorder import recorder_of

DEFAULT_BATCH_SIZE = 200

Progress = Callable[[int, int], None]
"""Called with (appointments verified, appointments in all)."""


@dataclass
class VerifyTotals:
    """What the batches verified so far counted and found."""

    events: int = 0
    unprojected_events: int = 0
    findings: list[Finding] = field(default_factory=list)

    def add(
        self, links: Sequence[StoredLink], view_position: int, found: list[Finding]
    ) -> None:
        positions = [link.position for link in links if link.position is not None]
        self.events += len(positions)
        self.unprojected_events += sum(p > view_position for p in positions)
        self.findings.extend(found)


class StoreVerifier:
    def __init__(
        self,
        app: AppointmentsApplication,
        view: AppointmentsView,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        self.recorder = recorder_of(app)
        self.store = ChainStore(self.recorder)
        self.mapper: Mapper[str] = app.mapper
        self.view = view
        self.read_model = PostgresReadModel(view)
        self.batch_size = batch_size

    def verify(self, on_progress: Progress | None = None) -> VerifyReport:
        view_position = self.view.position()
        ids = sorted(self.store.appointment_ids() | read_model_ids(self.read_model))
        report_progress = on_progress or (lambda done, total: None)
        report_progress(0, len(ids))
        totals = VerifyTotals()
        for start in range(0, len(ids), self.batch_size):
            batch = ids[start : start + self.batch_size]
            self.verify_batch(batch, view_position, totals)
            report_progress(start + len(batch), len(ids))
        return VerifyReport(
            appointments=len(ids),
            events=totals.events,
            view_position=view_position,
            unprojected_events=totals.unprojected_events,
            findings=totals.findings + self.double_bookings(),
        )

    def double_bookings(self) -> list[Finding]:
        """Overlaps nobody opted into, each named once by its first appointment."""
        with self.recorder.datastore.transaction(commit=False) as curs:
            overlaps = self.recorder.occupancy.double_bookings(curs)
        return [
            Finding(first, 0, Check.DOUBLE_BOOKED, f"{person} is also in {second}")
            for person, first, second in overlaps
        ]

    def verify_batch(
        self, batch: Sequence[str], view_position: int, totals: VerifyTotals
    ) -> None:
        # Rows first: every version a row shows was committed before the
        # events are read, so a concurrent writer never looks like tampering.
        rows = {each: self.read_model.get(each) for each in batch}
        streams = self.store.links_of(batch)
        for appointment_id in batch:
            links = streams.get(appointment_id, [])
            found = self.verify_stream(
                appointment_id, links, rows[appointment_id], view_position
            )
            totals.add(links, view_position, found)

    def verify_stream(
        self,
        appointment_id: str,
        links: Sequence[StoredLink],
        row: AppointmentState | None,
        view_position: int,
    ) -> list[Finding]:
        findings = check_chain(appointment_id, links)
        events, undecodable = decode(links, self.mapper)
        if undecodable:
            return findings + undecodable
        return findings + check_read_model(appointment_id, events, row, view_position)


def read_model_ids(read_model: ReadModel) -> set[str]:
    """Every appointment the read model holds, page by page."""
    ids: set[str] = set()
    query = ListQuery(limit=MAX_PAGE_SIZE)
    while True:
        page = read_model.list(query)
        ids.update(document["id"] for document in page.data)
        if not page.has_more or not page.data:
            return ids
        query = ListQuery(limit=MAX_PAGE_SIZE, starting_after=page.data[-1]["id"])
