"""Offline key rotation: every stored event re-encrypted from one key (or
plain) to another (or plain), and each stream's hash chain relinked over the
new bytes, in one transaction (see docs/security.md).

The chain is checked over the old bytes first, in the same pass: a store
whose chain does not verify is refused, so that rotation never launders an
edit made below the application.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import Cipher
from psycopg import Cursor
from psycopg.sql import SQL, Composed

from infrastructure.audit.chain import GENESIS, canonical_encoding, link_hash
from infrastructure.encryption import is_plain
from infrastructure.recorder import AppointmentsRecorder

BATCH_SIZE = 500
Progress = Callable[[int], None]


class RotationRefused(Exception):
    """The store cannot be rotated as it is; one line says why."""


@dataclass
class _Stream:
    originator_id: str = ""
    old_link: bytes = GENESIS
    new_link: bytes = GENESIS

    def follow(self, originator_id: str) -> None:
        if originator_id != self.originator_id:
            self.originator_id, self.old_link, self.new_link = (
                originator_id,
                GENESIS,
                GENESIS,
            )


class Reencryption:
    def __init__(
        self, recorder: AppointmentsRecorder, old: Cipher | None, new: Cipher | None
    ) -> None:
        self.recorder = recorder
        self.old = old
        self.new = new
        chain = recorder.hash_chain
        tables = {
            "events": chain.qualified(chain.events_table),
            "hashes": chain.qualified(chain.hashes_table),
        }
        self.lock = SQL("LOCK TABLE {events} IN EXCLUSIVE MODE").format(**tables)
        self.select = SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state, h.hash "
            "FROM {events} e LEFT JOIN {hashes} h "
            "USING (originator_id, originator_version) "
            "ORDER BY e.originator_id, e.originator_version"
        ).format(**tables)
        self.update_state = _update(tables["events"], "state")
        self.update_hash = _update(tables["hashes"], "hash")

    def run(self, on_progress: Progress | None = None) -> int:
        """Rewrite every event and link; the number of events rewritten."""
        done = 0
        stream = _Stream()
        with self.recorder.datastore.transaction(commit=True) as curs:
            curs.execute(self.lock)
            reader = curs.connection.cursor(name="reencrypt")
            reader.execute(self.select)
            while rows := reader.fetchmany(BATCH_SIZE):
                self._rewrite(curs, [self._rotate(stream, row) for row in rows])
                done += len(rows)
                if on_progress is not None:
                    on_progress(done)
            reader.close()
        return done

    def _rotate(self, stream: _Stream, row: Any) -> tuple[str, int, bytes, bytes]:
        originator_id = str(row["originator_id"])
        version = int(row["originator_version"])
        topic, state, stored_hash = str(row["topic"]), bytes(row["state"]), row["hash"]
        stream.follow(originator_id)
        stream.old_link = link_hash(
            stream.old_link, canonical_encoding(originator_id, version, topic, state)
        )
        if stored_hash is None or bytes(stored_hash) != stream.old_link:
            raise RotationRefused(
                f"the hash chain of {originator_id} does not verify at version "
                f"{version}; run `appointments audit verify` and resolve it first"
            )
        new_state = self._recipher(originator_id, version, state)
        stream.new_link = link_hash(
            stream.new_link,
            canonical_encoding(originator_id, version, topic, new_state),
        )
        return originator_id, version, new_state, stream.new_link

    def _recipher(self, originator_id: str, version: int, state: bytes) -> bytes:
        try:
            plain = self.old.decrypt(state) if self.old is not None else state
        except ValueError:
            plain = b""
        if not is_plain(plain):
            raise RotationRefused(
                "APPOINTMENTS_PREVIOUS_ENCRYPTION_KEY (unset: not encrypted) does "
                f"not match how {originator_id} version {version} is stored"
            )
        return self.new.encrypt(plain) if self.new is not None else plain

    def _rewrite(
        self, curs: Cursor[Any], rotated: list[tuple[str, int, bytes, bytes]]
    ) -> None:
        curs.executemany(self.update_state, [(s, i, v) for i, v, s, _ in rotated])
        curs.executemany(self.update_hash, [(h, i, v) for i, v, _, h in rotated])


def _update(table: Any, column: str) -> Composed:
    return SQL(
        "UPDATE {table} SET {column} = %s "
        "WHERE originator_id = %s AND originator_version = %s"
    ).format(table=table, column=SQL(column))
