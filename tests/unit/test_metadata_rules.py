"""CONTRACT section 11: metadata, set on create, merged by update, a key sent
with "" removed; every broken rule refused with ``param: "metadata"``."""

from __future__ import annotations

from typing import Any

import pytest

from domain.appointment import Appointment
from domain.errors import InvalidAppointment
from domain.history import change_log
from tests.builders import CREATED_AT, a_draft, an_appointment

AT = CREATED_AT + 1_000

BAD_METADATA: list[Any] = [
    pytest.param(["a", "b"], id="not-an-object"),
    pytest.param("a=b", id="a-string"),
    pytest.param({f"k{n}": "v" for n in range(51)}, id="51-keys"),
    pytest.param({"k" * 41: "v"}, id="key-41"),
    pytest.param({"": "v"}, id="empty-key"),
    pytest.param({"k": 1}, id="number-value"),
    pytest.param({"k": None}, id="null-value"),
    pytest.param({"k": {"nested": "v"}}, id="object-value"),
    pytest.param({"k": "v" * 501}, id="value-501"),
    pytest.param({"k": "a\x00b"}, id="value-nul"),
    pytest.param({"k\x00": "v"}, id="key-nul"),
    pytest.param({"k": "\ud800"}, id="value-surrogate"),
]


def test_a_new_appointment_keeps_its_metadata_but_empty_values() -> None:
    appointment = an_appointment(metadata={"ref": "A-1", "gone": ""})

    assert appointment.document["metadata"] == {"ref": "A-1"}


def test_an_appointment_without_metadata_has_an_empty_object() -> None:
    assert an_appointment().document["metadata"] == {}


def test_the_limits_themselves_are_accepted() -> None:
    most = {f"{n:040d}": "v" * 500 for n in range(50)}

    assert an_appointment(metadata=most).document["metadata"] == most


@pytest.mark.parametrize("metadata", BAD_METADATA)
def test_a_draft_with_bad_metadata_is_refused(metadata: Any) -> None:
    with pytest.raises(InvalidAppointment) as raised:
        a_draft(metadata=metadata).validate()

    assert raised.value.param == "metadata"


@pytest.mark.parametrize("metadata", BAD_METADATA)
def test_an_update_with_bad_metadata_is_refused_and_records_nothing(
    metadata: Any,
) -> None:
    appointment = an_appointment()

    with pytest.raises(InvalidAppointment) as raised:
        appointment.update(changed_by="u", at=AT, changes={"metadata": metadata})

    assert raised.value.param == "metadata"
    assert appointment.version == 1


def test_an_update_merges_and_removes_keys_sent_empty() -> None:
    appointment = an_appointment(metadata={"keep": "1", "change": "2", "drop": "3"})

    appointment.update(
        changed_by="u",
        at=AT,
        changes={"metadata": {"change": "two", "drop": "", "new": "4"}},
    )

    assert appointment.document["metadata"] == {
        "keep": "1",
        "change": "two",
        "new": "4",
    }
    entry = change_log(appointment.collect_events())[-1]
    assert entry["changes"] == {
        "metadata": {
            "from": {"keep": "1", "change": "2", "drop": "3"},
            "to": {"keep": "1", "change": "two", "new": "4"},
        }
    }


def test_removing_a_key_that_is_not_there_records_nothing() -> None:
    appointment = an_appointment(metadata={"keep": "1"})

    appointment.update(
        changed_by="u", at=AT, changes={"metadata": {"absent": "", "keep": "1"}}
    )

    assert appointment.version == 1


def test_a_merge_past_fifty_keys_is_refused() -> None:
    appointment = an_appointment(metadata={f"old{n}": "v" for n in range(30)})

    with pytest.raises(InvalidAppointment) as raised:
        appointment.update(
            changed_by="u",
            at=AT,
            changes={"metadata": {f"new{n}": "v" for n in range(21)}},
        )

    assert raised.value.param == "metadata"
    assert len(appointment.document["metadata"]) == 30


def test_a_merge_that_removes_as_many_as_it_adds_stays_within_fifty() -> None:
    appointment = an_appointment(metadata={f"old{n}": "v" for n in range(50)})
    changes = {
        **{f"old{n}": "" for n in range(10)},
        **{f"n{n}": "v" for n in range(10)},
    }

    appointment.update(changed_by="u", at=AT, changes={"metadata": changes})

    assert len(appointment.document["metadata"]) == 50


def test_a_version_3_detached_occurrence_upcasts_with_metadata_and_reasons() -> None:
    """Version 3 of ``Created`` holds a detached occurrence's document as it
    was then: without metadata, its status entries without reasons."""
    then = an_appointment().document
    del then["metadata"]
    for entry in then["status_history"]:
        del entry["reason"]
    state: dict[str, Any] = {"detached_from": then}

    Appointment.Created.upcast_v3_v4(state)

    assert state["metadata"] == {}
    assert state["detached_from"]["metadata"] == {}
    assert [e["reason"] for e in state["detached_from"]["status_history"]] == [None]
