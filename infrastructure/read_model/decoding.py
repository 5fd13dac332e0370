"""Stored events decoded for a rebuild: what ``Mapper.to_domain_event``
returns, at a third of its cost.

The mapper decodes each state with the standard ``json`` module and a Python
hook called for every object in it. Here ``orjson`` decodes, and only the
transcoded objects are converted: every event has one, its ``timestamp``;
a state with any other (``"_type_"`` more than once) goes through the
library's own transcoder. The rest is the mapper's: the same cipher and
compressor first, then the class's upcasters from the stored
``class_version`` up, and the event made without calling its ``__init__``.

A decoder holds only picklable parts, so a rebuild's worker processes get
one with each chunk.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from eventsourcing.persistence import (
    Cipher,
    Compressor,
    JSONTranscoder,
    Mapper,
    MapperDeserialisationError,
    Transcoding,
)
from eventsourcing.utils import resolve_topic

from domain.appointment import Appointment

TRANSCODED_MARK = b'"_type_"'
"""How the library's transcoder names a transcoded object's type."""


StoredRow = tuple[str, int, str, bytes]
"""An event as the store holds it: originator id and version, topic, state
(a plain tuple, cheap to send to a worker process)."""


class StoredEventDecoder:
    def __init__(
        self,
        *,
        transcodings: Mapping[str, Transcoding],
        cipher: Cipher | None = None,
        compressor: Compressor | None = None,
    ) -> None:
        self.transcodings = dict(transcodings)
        self.cipher = cipher
        self.compressor = compressor

    @classmethod
    def like(cls, mapper: Mapper[str]) -> StoredEventDecoder:
        """A decoder with the mapper's cipher, compressor and transcodings."""
        transcoder = mapper.transcoder
        if not isinstance(transcoder, JSONTranscoder):
            raise TypeError(f"Not a JSONTranscoder: {transcoder!r}")
        return cls(
            transcodings=transcoder.names,
            cipher=mapper.cipher,
            compressor=mapper.compressor,
        )

    def decode(self, row: StoredRow) -> Appointment.Event | None:
        """The appointment event of ``row``; ``None`` for another kind."""
        originator_id, originator_version, topic, stored = row
        event_class = resolve_topic(topic)
        if not issubclass(event_class, Appointment.Event):
            return None
        try:
            state = self.event_state(stored)
        except Exception as error:  # the mapper's error, with the same facts
            raise MapperDeserialisationError(
                f"Failed to deserialise state of stored event with topic "
                f"'{topic}', originator_id '{originator_id}' and "
                f"originator_version {originator_version}: {error}"
            ) from error
        state["originator_id"] = originator_id
        state["originator_version"] = originator_version
        upcast(event_class, state)
        event: Appointment.Event = object.__new__(event_class)
        object.__setattr__(event, "__dict__", state)
        return event

    def event_state(self, stored: bytes) -> dict[str, Any]:
        if self.cipher is not None:
            stored = self.cipher.decrypt(stored)
        if self.compressor is not None:
            stored = self.compressor.decompress(stored)
        try:
            state = orjson.loads(stored)
        except orjson.JSONDecodeError:  # what ``json`` alone accepts, if anything
            return self.library_decode(stored)
        if not isinstance(state, dict):
            return self.library_decode(stored)
        marks = stored.count(TRANSCODED_MARK)
        if marks == 0 or (marks == 1 and self.decode_timestamp(state)):
            return state
        return self.library_decode(stored)

    def decode_timestamp(self, state: dict[str, Any]) -> bool:
        """Convert the state's transcoded ``timestamp``, as the library's
        hook would; whether it was one that could be."""
        encoded = state.get("timestamp")
        if not (isinstance(encoded, dict) and len(encoded) == 2):
            return False
        transcoding = self.transcodings.get(encoded.get("_type_"))  # type: ignore[arg-type]
        if transcoding is None or "_data_" not in encoded:
            return False
        state["timestamp"] = transcoding.decode(encoded["_data_"])
        return True

    def library_decode(self, stored: bytes) -> dict[str, Any]:
        transcoder = JSONTranscoder()
        for transcoding in self.transcodings.values():
            transcoder.register(transcoding)
        state: dict[str, Any] = transcoder.decode(stored)
        return state


def upcast(event_class: type[Appointment.Event], state: dict[str, Any]) -> None:
    """Bring a stored state up to the class's version, as the mapper does."""
    current = getattr(event_class, "class_version", 1)
    version = state.pop("class_version", 1)
    while version < current:
        getattr(event_class, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
