"""Reading each stream's stored events side by side with their recorded hashes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import StoredEvent
from psycopg.sql import SQL

from infrastructure.audit.chain import canonical_encoding
from infrastructure.recorder import AppointmentsRecorder


@dataclass(frozen=True)
class StoredLink:
    """One version of one stream: its stored event and its recorded hash,
    either of which an edit made in the database may have removed."""

    appointment_id: str
    version: int
    event: StoredEvent | None
    position: int | None
    stored_hash: bytes | None

    def encoding(self) -> bytes:
        if self.event is None:
            raise ValueError(f"{self.appointment_id} v{self.version}: no event")
        return canonical_encoding(
            str(self.event.originator_id),
            self.event.originator_version,
            self.event.topic,
            self.event.state,
        )


class ChainStore:
    """The events table and the hash table, read together."""

    def __init__(self, recorder: AppointmentsRecorder) -> None:
        self.datastore = recorder.datastore
        chain = recorder.hash_chain
        tables = {
            "events": chain.qualified(chain.events_table),
            "hashes": chain.qualified(chain.hashes_table),
        }
        self.select_ids = SQL(
            "SELECT originator_id FROM {events} "
            "UNION SELECT originator_id FROM {hashes}"
        ).format(**tables)
        self.select_links = SQL(
            "WITH e AS (SELECT originator_id, originator_version, topic, state, "
            "notification_id FROM {events} WHERE originator_id = ANY(%(ids)s)), "
            "h AS (SELECT originator_id, originator_version, hash "
            "FROM {hashes} WHERE originator_id = ANY(%(ids)s)) "
            "SELECT originator_id, originator_version, e.topic, e.state, "
            "e.notification_id, h.hash "
            "FROM e FULL JOIN h USING (originator_id, originator_version) "
            "ORDER BY originator_id, originator_version"
        ).format(**tables)

    def appointment_ids(self) -> set[str]:
        """Every stream that has an event or a hash."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.select_ids)
            return {str(row["originator_id"]) for row in curs.fetchall()}

    def links_of(self, appointment_ids: Sequence[str]) -> dict[str, list[StoredLink]]:
        """Each stream's links, oldest version first."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.select_links, {"ids": list(appointment_ids)})
            return group_by_stream(link_of(row) for row in curs.fetchall())


def link_of(row: dict[str, Any]) -> StoredLink:
    appointment_id = str(row["originator_id"])
    version = int(row["originator_version"])
    event = None
    if row["notification_id"] is not None:
        topic, state = row["topic"] or "", bytes(row["state"] or b"")
        event = StoredEvent(appointment_id, version, topic, state)
    stored_hash = row["hash"]
    return StoredLink(
        appointment_id=appointment_id,
        version=version,
        event=event,
        position=row["notification_id"],
        stored_hash=None if stored_hash is None else bytes(stored_hash),
    )


def group_by_stream(links: Iterable[StoredLink]) -> dict[str, list[StoredLink]]:
    streams: dict[str, list[StoredLink]] = {}
    for link in links:
        streams.setdefault(link.appointment_id, []).append(link)
    return streams
