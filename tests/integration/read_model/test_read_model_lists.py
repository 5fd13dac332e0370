"""List: every filter, their combinations, ordering and keyset pagination."""

from __future__ import annotations

from itertools import combinations

import pytest

from application.queries import ListQuery, UnknownCursor
from domain.values import Document
from infrastructure.bootstrap import Container
from infrastructure.read_model.tables import TABLES
from tests.builders import HOUR_MS, START, a_draft
from tests.integration.read_model.dataset import (
    expected_ids,
    filters_of,
    seed_variety,
)
from tests.integration.read_model.helpers import (
    fetch,
    folded_states,
    list_everything,
    project_all,
)

FILTERS = (
    "host",
    "attendee",
    "patient",
    "status",
    "interaction_type",
    "internal",
    "group",
    "appointment_type",
    "start_time_gte",
    "start_time_lt",
)


@pytest.fixture
def documents(container: Container) -> list[Document]:
    seed_variety(container.app)
    project_all(container)
    return [state.document for state in folded_states(container).values()]


def listed_ids(container: Container, **filters: object) -> list[str]:
    page = container.read_model.list(ListQuery(limit=100, **filters))  # type: ignore[arg-type]
    assert not page.has_more
    return [d["id"] for d in page.data]


@pytest.mark.parametrize("name", FILTERS)
def test_each_filter_selects_what_it_names(
    container: Container, documents: list[Document], name: str
) -> None:
    values = {filters_of(d)[name] for d in documents if name in filters_of(d)}
    assert values
    for value in values:
        expected = expected_ids(documents, ListQuery(**{name: value}))  # type: ignore[arg-type]
        assert expected
        assert listed_ids(container, **{name: value}) == expected


def test_every_pair_of_filters_combines_as_and(
    container: Container, documents: list[Document]
) -> None:
    for document in documents[::3]:
        available = filters_of(document)
        for pair in combinations(sorted(available), 2):
            filters = {name: available[name] for name in pair}
            expected = expected_ids(documents, ListQuery(**filters))
            assert document["id"] in expected
            assert listed_ids(container, **filters) == expected, filters


def test_all_filters_together_find_the_document_they_describe(
    container: Container, documents: list[Document]
) -> None:
    for document in documents:
        assert document["id"] in listed_ids(container, **filters_of(document))


def test_each_metadata_value_selects_what_it_names(
    container: Container, documents: list[Document]
) -> None:
    for clinic in ("north", "south", "east"):
        query = ListQuery(metadata={"clinic": clinic})
        expected = expected_ids(documents, query)
        assert expected
        assert listed_ids(container, metadata={"clinic": clinic}) == expected
    one = {"clinic": "south", "n": "1"}
    assert listed_ids(container, metadata=one) == expected_ids(
        documents, ListQuery(metadata=one)
    )
    assert len(listed_ids(container, metadata=one)) == 1


def test_filters_that_match_nothing_list_nothing(
    container: Container, documents: list[Document]
) -> None:
    assert listed_ids(container, attendee="att_nobody") == []
    assert listed_ids(container, patient="pat_0", internal=False) == []
    assert listed_ids(container, start_time_gte=START, start_time_lt=START) == []


def test_the_time_window_includes_its_start_and_excludes_its_end(
    container: Container, documents: list[Document]
) -> None:
    window = {"start_time_gte": START + HOUR_MS, "start_time_lt": START + 3 * HOUR_MS}
    listed = listed_ids(container, **window)
    starts = {d["id"]: d["start_time"] for d in documents}
    assert {starts[i] for i in listed} == {START + HOUR_MS, START + 2 * HOUR_MS}


def test_pages_follow_each_other_without_gaps_or_repeats(
    container: Container, documents: list[Document]
) -> None:
    for filters in (
        {},
        {"internal": True},
        {"attendee": "att_shared"},
        {"patient": "pat_0"},
    ):
        expected = expected_ids(documents, ListQuery(**filters))  # type: ignore[arg-type]
        for limit in (1, 2, 3, 5):
            paged = list_everything(container, ListQuery(limit=limit, **filters))  # type: ignore[arg-type]
            assert paged == expected, (filters, limit)


def test_has_more_is_false_when_the_last_page_is_exactly_full(
    container: Container, documents: list[Document]
) -> None:
    page = container.read_model.list(ListQuery(limit=len(documents)))
    assert len(page.data) == len(documents)
    assert page.has_more is False
    shorter = container.read_model.list(ListQuery(limit=len(documents) - 1))
    assert shorter.has_more is True


def test_ties_on_start_time_are_ordered_by_id_byte_wise(container: Container) -> None:
    ids = [
        "appt_bbbbbbbbbbbbbbbbbbbb",
        "appt_Bbbbbbbbbbbbbbbbbbbb",
        "appt_aaaaaaaaaaaaaaaaaaaa",
        "appt_AAAAAAAAAAAAAAAAAAAA",
        "appt_0000000000000000000z",
        "appt_Zzzzzzzzzzzzzzzzzzzz",
    ]
    for n, appointment_id in enumerate(ids):
        draft = a_draft(host=f"host_{n}", attendees=[f"patient_{n}"])
        container.app.schedule(draft, appointment_id=appointment_id)
    project_all(container)

    byte_wise = sorted(ids)  # code-point order: digits, then upper, then lower case
    assert list_everything(container, ListQuery(limit=2)) == byte_wise
    assert list_everything(container, ListQuery(limit=4, host=None)) == byte_wise


def test_id_columns_compare_byte_wise(container: Container) -> None:
    rows = fetch(
        container,
        "SELECT table_name, column_name, collation_name "
        "FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND column_name IN ('id', 'appointment_id', 'attendee_id', 'patient_id', "
        "'host') AND table_name = ANY(%s)",
        list(TABLES),
    )
    assert len(rows) == 8
    assert {row["collation_name"] for row in rows} == {"C"}


def test_an_unknown_starting_after_is_refused(
    container: Container, documents: list[Document]
) -> None:
    with pytest.raises(UnknownCursor) as refused:
        container.read_model.list(ListQuery(starting_after="appt_nosuchappointment0"))
    assert refused.value.appointment_id == "appt_nosuchappointment0"


def test_starting_after_an_appointment_outside_the_filter_still_places_the_page(
    container: Container, documents: list[Document]
) -> None:
    everything = expected_ids(documents, ListQuery())
    internal = expected_ids(documents, ListQuery(internal=True))
    cursor = next(i for i in everything if i not in internal)
    after = everything[everything.index(cursor) + 1 :]
    page = container.read_model.list(ListQuery(internal=True, starting_after=cursor))
    assert [d["id"] for d in page.data] == [i for i in after if i in internal]
