"""CONTRACT section 11: a status change's reason in the status history, the
change-log entry and the feed item (``null`` where none), and the rules of
``scope``."""

from __future__ import annotations

from typing import Any

import pytest

from application.feed_items import feed_item
from domain.change_rules import check_scope
from domain.errors import InvalidAppointment
from domain.history import change_log
from domain.occurrences import occurrence_document
from domain.values import Status
from tests.builders import CREATED_AT, an_appointment

AT = CREATED_AT + 1_000
WEEKLY = {"is_recurring": True, "rule": "FREQ=WEEKLY;COUNT=4", "timezone": "UTC"}


def test_a_reason_shows_in_history_change_log_and_feed_item() -> None:
    appointment = an_appointment()
    appointment.change_status(
        status="cancelled", changed_by="user_patient", at=AT, reason="Late: flu"
    )
    events = appointment.collect_events()

    assert appointment.document["status_history"][-1] == {
        "status": "cancelled",
        "changed_by": "user_patient",
        "changed_at": AT,
        "reason": "Late: flu",
    }
    assert change_log(events)[-1]["reason"] == "Late: flu"
    item = feed_item(7, events[-1], events)
    assert (item["changed_by"], item["reason"]) == ("user_patient", "Late: flu")
    assert item["data"]["object"]["status"] == "cancelled"


def test_no_reason_is_null_everywhere() -> None:
    appointment = an_appointment()
    appointment.update(changed_by="user_x", at=AT, changes={"name": "Renamed"})
    appointment.change_status(status="no_show", changed_by="user_host", at=AT + 1)
    events = appointment.collect_events()

    assert [e["reason"] for e in appointment.document["status_history"]] == [None, None]
    assert [entry["reason"] for entry in change_log(events)] == [None, None, None]
    items = [feed_item(n, e, events) for n, e in enumerate(events, start=1)]
    assert [i["reason"] for i in items] == [None, None, None]
    assert [i["changed_by"] for i in items] == ["user_creator", "user_x", "user_host"]


def test_every_feed_item_field_of_the_contract_is_still_there() -> None:
    appointment = an_appointment()
    (event,) = appointment.collect_events()

    item = feed_item(1, event, [event])

    assert list(item) == [
        "id",
        "object",
        "type",
        "appointment",
        "version",
        "occurred_at",
        "changed_by",
        "api_key",
        "reason",
        "data",
    ]
    assert set(item["data"]) == {"object", "changes"}


def a_series_and_its_third_occurrence() -> tuple[dict[str, Any], dict[str, Any]]:
    series = an_appointment(recurring=WEEKLY).document
    week = 7 * 24 * 3_600_000
    return series, occurrence_document(series, series["start_time"] + 2 * week)


SCOPE_REFUSED: list[Any] = [
    pytest.param("single", Status.CANCELLED, "this_and_following", id="single"),
    pytest.param("series", Status.CANCELLED, "this_and_following", id="the-series"),
    pytest.param(
        "occurrence", Status.CONFIRMED, "this_and_following", id="other-status"
    ),
    pytest.param("occurrence", Status.COMPLETED, "this_and_following", id="done"),
    pytest.param("occurrence", Status.CANCELLED, "all", id="unknown-scope"),
]


@pytest.mark.parametrize(("target", "status", "scope"), SCOPE_REFUSED)
def test_scope_is_refused_where_it_does_not_apply(
    target: str, status: Status, scope: str
) -> None:
    series, occurrence = a_series_and_its_third_occurrence()
    document = {
        "single": an_appointment().document,
        "series": series,
        "occurrence": occurrence,
    }[target]

    with pytest.raises(InvalidAppointment) as raised:
        check_scope(document, status, scope)

    assert raised.value.param == "scope"


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.NO_SHOW])
def test_an_occurrence_may_end_with_all_that_follow(status: Status) -> None:
    _, occurrence = a_series_and_its_third_occurrence()

    check_scope(occurrence, status, "this_and_following")


def test_this_is_accepted_on_anything() -> None:
    series, occurrence = a_series_and_its_third_occurrence()
    for document in (an_appointment().document, series, occurrence):
        check_scope(document, Status.CONFIRMED, "this")
