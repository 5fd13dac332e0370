"""A rebuild decodes stored events itself (``orjson``, then the mapper's
cipher, compressor and upcasters): for every event, at every stored class
version, with or without encryption and compression, it gets exactly the
event the application's mapper gets."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    UUIDAsHex,
)
from eventsourcing.utils import Environment, get_topic
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.appointment import Appointment
from infrastructure.read_model.decoding import StoredEventDecoder, StoredRow
from tests.builders import (
    CREATED_AT,
    TEXT,
    a_property_draft,
    commands_for,
    stored_as_version,
)


def a_mapper(*, encrypted: bool, compressed: bool) -> Mapper[str]:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    cipher_key = AESCipher.create_key(32)
    return Mapper(
        transcoder=transcoder,
        cipher=(
            AESCipher(Environment(env={"CIPHER_KEY": cipher_key}))
            if encrypted
            else None
        ),
        compressor=ZlibCompressor() if compressed else None,
    )


def row_of(stored: StoredEvent) -> StoredRow:
    return (
        str(stored.originator_id),
        stored.originator_version,
        stored.topic,
        stored.state,
    )


METADATA = st.dictionaries(
    st.text("abc_", min_size=1, max_size=5), st.text(TEXT, max_size=8), max_size=3
)


def commanded_events(data: st.DataObject) -> list[Appointment.Event]:
    draft = replace(
        a_property_draft(),
        metadata=data.draw(METADATA, label="metadata"),
        description=data.draw(st.text(TEXT, max_size=20), label="description"),
    )
    appointment = Appointment.schedule(
        appointment_id="appt_" + "D" * 20,
        draft=draft,
        video_call=None,
        at=CREATED_AT,
        api_key=data.draw(st.none() | st.just("key_a"), label="api key"),
    )
    for step in range(data.draw(st.integers(0, 8), label="steps")):
        if appointment.is_cancelled:
            break
        data.draw(commands_for(appointment.document)).run_on(
            appointment, CREATED_AT + step + 1
        )
    return list(appointment.collect_events())  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    encrypted=st.booleans(),
    compressed=st.booleans(),
)
def test_every_event_decodes_as_the_mapper_decodes_it(
    data: st.DataObject, encrypted: bool, compressed: bool
) -> None:
    mapper = a_mapper(encrypted=encrypted, compressed=compressed)
    decoder = StoredEventDecoder.like(mapper)
    for event in commanded_events(data):
        version = data.draw(
            st.integers(1, type(event).class_version), label="stored version"
        )
        stored = stored_as_version(mapper, event, version)

        decoded = decoder.decode(row_of(stored))
        expected = mapper.to_domain_event(stored)

        assert type(decoded) is type(expected)
        assert vars(decoded) == vars(expected)
        if version == type(event).class_version:
            assert vars(decoded) == vars(event)


def an_update(fields: dict[str, Any]) -> Appointment.Updated:
    appointment = Appointment.schedule(
        appointment_id="appt_" + "U" * 20,
        draft=a_property_draft(),
        video_call=None,
        at=CREATED_AT,
    )
    appointment.update(changed_by="u_1", at=CREATED_AT + 1, changes={"name": "N"})
    update = appointment.collect_events()[-1]
    assert isinstance(update, Appointment.Updated)
    object.__setattr__(update, "fields", fields)
    return update


@pytest.mark.parametrize(
    "fields",
    [
        {"visit_note": Decimal("1.5")},  # a second transcoded object
        {"visit_note": "_type_"},  # the transcoder's marker as a value
        {"visit_note": '"_type_" and \\ and \u2028'},
    ],
)
def test_states_beyond_the_fast_path_decode_as_the_mapper_decodes_them(
    fields: dict[str, Any],
) -> None:
    mapper = a_mapper(encrypted=False, compressed=False)
    stored = mapper.to_stored_event(an_update(fields))

    decoded = StoredEventDecoder.like(mapper).decode(row_of(stored))

    assert vars(decoded) == vars(mapper.to_domain_event(stored))
    assert isinstance(decoded, Appointment.Updated)
    assert decoded.fields == fields


def test_a_state_that_does_not_decrypt_fails_as_in_the_mapper() -> None:
    mapper = a_mapper(encrypted=True, compressed=False)
    stored = mapper.to_stored_event(an_update({"name": "N"}))
    wrong_key = a_mapper(encrypted=True, compressed=False)

    with pytest.raises(MapperDeserialisationError, match="originator_version 2"):
        StoredEventDecoder.like(wrong_key).decode(row_of(stored))


def test_an_event_of_another_aggregate_is_left_out() -> None:
    mapper = a_mapper(encrypted=False, compressed=False)
    state = json.dumps({"timestamp": None}).encode()
    row = ("other_1", 1, get_topic(Decimal), state)

    assert StoredEventDecoder.like(mapper).decode(row) is None
